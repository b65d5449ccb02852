#include "pth_reader.h"

#include "pickle_vm.h"
#include "zip_index.h"

#include <caffe2/serialize/inline_container.h>

#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>

namespace casm::io {

namespace {

// Tensor records may inflate to at most this many times the file's size in all (plus a fixed
// allowance): torch.save stores records uncompressed, so real files stay far below it, while a
// crafted deflated record cannot make us allocate gigabytes from a few kilobytes.
constexpr uint64_t kMaxExpansion = 8;
constexpr uint64_t kExpansionAllowance = uint64_t{64} << 20;

at::ScalarType storage_dtype(const std::string& type) {
  static const std::map<std::string, at::ScalarType> types = {
      {"FloatStorage", at::kFloat},       {"DoubleStorage", at::kDouble}, {"HalfStorage", at::kHalf},
      {"BFloat16Storage", at::kBFloat16}, {"LongStorage", at::kLong},     {"IntStorage", at::kInt},
      {"ShortStorage", at::kShort},       {"CharStorage", at::kChar},     {"ByteStorage", at::kByte},
      {"BoolStorage", at::kBool}};
  return types.at(type);  // pickle_vm only lets the names above through
}

class Archive {
 public:
  explicit Archive(const std::string& path) : path_(path), index_(read_zip_index(path)) {
    try {
      zip_ = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
    } catch (const c10::Error& e) {
      throw std::runtime_error(path + ": not a readable zip-format torch.save file (" +
                               std::string(e.what_without_backtrace()) + ")");
    }
    budget_ = kMaxExpansion * index_.file_size + kExpansionAllowance;
  }

  bool has(const std::string& record) const { return zip_->hasRecord(record) && index_.records.count(record); }

  // The record's declared size, checked against `limit` and the remaining budget before reading.
  std::tuple<at::DataPtr, size_t> read(const std::string& record, uint64_t limit, const char* what) {
    const ZipEntry& e = index_.records.at(record);
    if (e.uncompressed > limit)
      fail(std::string(what) + " " + record + " is " + std::to_string(e.uncompressed) + " bytes, more than " +
           std::to_string(limit));
    if (e.uncompressed > budget_)
      fail("records inflate to more than " + std::to_string(kMaxExpansion) + "× the file's size");
    budget_ -= e.uncompressed;
    auto out = zip_->getRecord(record);
    if (std::get<1>(out) != e.uncompressed) fail(record + " does not have the size its directory entry declares");
    return out;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(path_ + ": cannot read this torch.save file (" + what + ")");
  }

 private:
  std::string path_;
  ZipIndex index_;
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> zip_;
  uint64_t budget_ = 0;
};

}  // namespace

std::vector<std::pair<std::string, torch::Tensor>> read_torch_save_tensors(const std::string& path) {
  Archive zip(path);
  if (!zip.has("data.pkl")) throw std::runtime_error(path + ": no data.pkl in the archive (not a torch.save file?)");
  const PickleLimits limits;
  // The pickle is interpreted in place, from the record's own buffer.
  auto [pickle, pickle_size] = zip.read("data.pkl", limits.max_pickle_bytes, "the pickle");
  const PickleStateDict dict =
      read_state_dict_pickle(std::string_view(static_cast<const char*>(pickle.get()), pickle_size), path, limits);
  if (dict.tensors.empty()) throw std::runtime_error(path + ": the file holds no tensors");

  std::vector<torch::Tensor> storages(dict.storages.size());
  std::map<size_t, torch::Tensor> views;  // one copy per tensor object, however many names it has
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const PickleTensor& t : dict.tensors) {
    torch::Tensor& storage = storages[t.storage];
    if (!storage.defined()) {
      const PickleStorage& s = dict.storages[t.storage];
      const auto dtype = storage_dtype(s.type);
      const std::string record = "data/" + s.key;
      if (!zip.has(record)) zip.fail("missing tensor data " + record);
      // numel ≤ 2^53 and element sizes ≤ 8 (pickle_vm), so this product cannot overflow.
      const uint64_t need = static_cast<uint64_t>(s.numel) * c10::elementSize(dtype);
      auto [data, size] = zip.read(record, need, "tensor data");
      if (size != need)
        zip.fail("tensor data " + record + " has " + std::to_string(size) + " bytes, the pickle declares " +
                 std::to_string(need));
      storage = torch::empty({s.numel}, torch::TensorOptions().dtype(dtype));
      if (need > 0) std::memcpy(storage.data_ptr(), data.get(), need);
    }
    auto it = views.find(t.id);
    if (it == views.end()) it = views.emplace(t.id, storage.as_strided(t.sizes, t.strides, t.offset).clone()).first;
    out.emplace_back(t.name, it->second);
  }
  return out;
}

}  // namespace casm::io
