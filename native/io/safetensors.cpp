#include "safetensors.h"

#include "fs_util.h"
#include "json_lite.h"
#include "safetensors_header.h"

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace casm::io {

static const char* dtype_name(at::ScalarType t) {
  switch (t) {
    case at::kFloat:
      return "F32";
    case at::kHalf:
      return "F16";
    case at::kBFloat16:
      return "BF16";
    case at::kDouble:
      return "F64";
    case at::kLong:
      return "I64";
    case at::kInt:
      return "I32";
    case at::kShort:
      return "I16";
    case at::kChar:
      return "I8";
    case at::kByte:
      return "U8";
    case at::kBool:
      return "BOOL";
    default:
      throw std::runtime_error(std::string("safetensors: unsupported dtype ") + c10::toString(t));
  }
}

static at::ScalarType dtype_from_name(const std::string& n, const std::string& file, const std::string& tensor) {
  if (n == "F32") return at::kFloat;
  if (n == "F16") return at::kHalf;
  if (n == "BF16") return at::kBFloat16;
  if (n == "F64") return at::kDouble;
  if (n == "I64") return at::kLong;
  if (n == "I32") return at::kInt;
  if (n == "I16") return at::kShort;
  if (n == "I8") return at::kChar;
  if (n == "U8") return at::kByte;
  if (n == "BOOL") return at::kBool;
  throw std::runtime_error(file + ": tensor '" + tensor + "' has unsupported dtype " + n);
}

void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<torch::Tensor> cpu;
  std::ostringstream header;
  header << '{';
  bool first = true;
  if (!metadata.empty()) {
    header << "\"__metadata__\":{";
    bool f2 = true;
    for (auto& [k, v] : metadata) {
      header << (f2 ? "" : ",") << json_quote(k) << ':' << json_quote(v);
      f2 = false;
    }
    header << '}';
    first = false;
  }
  uint64_t offset = 0;
  for (auto& [name, t] : tensors) {
    auto c = t.detach().to(torch::kCPU).contiguous();
    const uint64_t bytes = c.numel() * c.element_size();
    header << (first ? "" : ",") << json_quote(name) << ":{\"dtype\":\"" << dtype_name(c.scalar_type())
           << "\",\"shape\":[";
    for (int64_t d = 0; d < c.dim(); ++d) header << (d ? "," : "") << c.size(d);
    header << "],\"data_offsets\":[" << offset << ',' << offset + bytes << "]}";
    offset += bytes;
    first = false;
    cpu.push_back(c);
  }
  header << '}';
  std::string h = header.str();
  while (h.size() % 8 != 0) h.push_back(' ');  // the format aligns the data section to 8 bytes
  FileWriter out(path);
  uint64_t len = h.size();
  unsigned char le[8];
  for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(len >> (8 * i));
  out.write(le, 8);
  out.write(h.data(), h.size());
  for (auto& c : cpu) out.write(c.data_ptr(), c.numel() * c.element_size());
  out.sync_and_close();
}

NamedTensors read_safetensors(const std::string& path, std::map<std::string, std::string>* metadata) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open file");
  in.seekg(0, std::ios::end);
  const uint64_t size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  if (size < 8) throw std::runtime_error(path + ": not a safetensors file (" + std::to_string(size) + " bytes)");
  unsigned char le[8];
  in.read(reinterpret_cast<char*>(le), 8);
  uint64_t hlen = 0;
  for (int i = 0; i < 8; ++i) hlen |= static_cast<uint64_t>(le[i]) << (8 * i);
  if (hlen > size - 8 || hlen > (100u << 20))
    throw std::runtime_error(path + ": corrupt safetensors header (length " + std::to_string(hlen) + ")");
  std::string h(hlen, '\0');
  in.read(h.data(), static_cast<std::streamsize>(hlen));
  const uint64_t data_start = 8 + hlen;
  // Every entry is validated (offsets inside the file, no overlaps, no overflow) before any
  // tensor is allocated, so allocations are bounded by the file's own size.
  SafetensorsHeader header = parse_safetensors_header(h, size - data_start, path);
  if (metadata)
    for (auto& [k, v] : header.metadata) (*metadata)[k] = v;
  NamedTensors out;
  for (auto& e : header.tensors) {
    auto t = torch::empty(e.shape, torch::TensorOptions().dtype(dtype_from_name(e.dtype, path, e.name)));
    in.seekg(static_cast<std::streamoff>(data_start + e.begin));
    in.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(e.end - e.begin));
    if (!in) throw std::runtime_error(path + ": tensor '" + e.name + "' could not be read (file truncated?)");
    out.emplace_back(e.name, t);
  }
  return out;
}

}  // namespace casm::io
