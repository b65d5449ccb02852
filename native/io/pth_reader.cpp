#include "pth_reader.h"

#include <caffe2/serialize/inline_container.h>

#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>

namespace casm::io {

namespace {

struct Value;
using ValuePtr = std::shared_ptr<Value>;

struct Value {
  enum Kind { None, Bool, Int, Float, String, Tuple, List, Dict, Global, Tensor, Storage, Mark } kind = None;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s, s2;  // String; Global: module (s), name (s2)
  std::vector<ValuePtr> items;                           // Tuple, List
  std::vector<std::pair<ValuePtr, ValuePtr>> entries;    // Dict (insertion order)
  torch::Tensor tensor;                                  // Tensor, Storage
};

ValuePtr make(Value::Kind k) {
  auto v = std::make_shared<Value>();
  v->kind = k;
  return v;
}

at::ScalarType storage_dtype(const std::string& name) {
  static const std::map<std::string, at::ScalarType> types = {
      {"FloatStorage", at::kFloat}, {"DoubleStorage", at::kDouble}, {"HalfStorage", at::kHalf},
      {"BFloat16Storage", at::kBFloat16}, {"LongStorage", at::kLong}, {"IntStorage", at::kInt},
      {"ShortStorage", at::kShort}, {"CharStorage", at::kChar}, {"ByteStorage", at::kByte}, {"BoolStorage", at::kBool}};
  auto it = types.find(name);
  if (it == types.end()) throw std::runtime_error("unsupported storage type torch." + name);
  return it->second;
}

class Interpreter {
 public:
  Interpreter(const std::string& path, caffe2::serialize::PyTorchStreamReader& zip, const std::string& pickle)
      : path_(path), zip_(zip), p_(pickle) {}

  ValuePtr run() {
    for (;;) {
      const uint8_t op = byte();
      switch (op) {
        case 0x80: byte(); break;                 // PROTO
        case 0x95: skip(8); break;                // FRAME
        case '.': return pop();                   // STOP
        case '(': stack_.push_back(make(Value::Mark)); break;
        case ')': stack_.push_back(make(Value::Tuple)); break;
        case 't': { auto t = make(Value::Tuple); t->items = pop_to_mark(); stack_.push_back(t); break; }
        case 0x85: case 0x86: case 0x87: {        // TUPLE1..3
          auto t = make(Value::Tuple);
          t->items.resize(op - 0x84);
          for (size_t k = t->items.size(); k-- > 0;) t->items[k] = pop();
          stack_.push_back(t);
          break;
        }
        case ']': stack_.push_back(make(Value::List)); break;
        case 'l': { auto l = make(Value::List); l->items = pop_to_mark(); stack_.push_back(l); break; }
        case 'a': { auto v = pop(); top(Value::List)->items.push_back(v); break; }
        case 'e': { auto vs = pop_to_mark(); auto l = top(Value::List); l->items.insert(l->items.end(), vs.begin(), vs.end()); break; }
        case '}': stack_.push_back(make(Value::Dict)); break;
        case 'd': { auto d = make(Value::Dict); set_items(d, pop_to_mark()); stack_.push_back(d); break; }
        case 's': { auto v = pop(); auto k = pop(); top(Value::Dict)->entries.emplace_back(k, v); break; }
        case 'u': { auto vs = pop_to_mark(); set_items(top(Value::Dict), vs); break; }
        case 'N': stack_.push_back(make(Value::None)); break;
        case 0x88: case 0x89: { auto v = make(Value::Bool); v->b = op == 0x88; stack_.push_back(v); break; }
        case 'K': push_int(byte()); break;
        case 'M': push_int(le(2)); break;
        case 'J': push_int(static_cast<int32_t>(le(4))); break;
        case 0x8a: {                              // LONG1
          const size_t n = byte();
          uint64_t raw = le(n);
          int64_t v = static_cast<int64_t>(raw);
          if (n > 0 && n < 8 && (raw >> (8 * n - 1)) & 1) v -= static_cast<int64_t>(1) << (8 * n);
          push_int(v);
          break;
        }
        case 'G': {                               // BINFLOAT, big-endian
          uint64_t raw = 0;
          for (int k = 0; k < 8; ++k) raw = (raw << 8) | byte();
          auto v = make(Value::Float);
          std::memcpy(&v->f, &raw, 8);
          stack_.push_back(v);
          break;
        }
        case 'X': push_string(text(le(4))); break;
        case 0x8c: case 'U': push_string(text(byte())); break;
        case 'q': memo_[byte()] = back(); break;
        case 'r': memo_[le(4)] = back(); break;
        case 0x94: memo_[memo_.size()] = back(); break;
        case 'h': stack_.push_back(memo(byte())); break;
        case 'j': stack_.push_back(memo(le(4))); break;
        case 'c': {
          auto g = make(Value::Global);
          g->s = line();
          g->s2 = line();
          stack_.push_back(g);
          break;
        }
        case 0x93: {                              // STACK_GLOBAL
          auto name = pop(), module = pop();
          auto g = make(Value::Global);
          g->s = module->s, g->s2 = name->s;
          stack_.push_back(g);
          break;
        }
        case 'R': { auto args = pop(); auto fn = pop(); stack_.push_back(call(fn, args)); break; }
        case 0x81: { auto args = pop(); auto cls = pop(); stack_.push_back(call(cls, args)); break; }
        case 'b': pop(); break;                   // BUILD: OrderedDict's _metadata and the like are not needed
        case 'Q': { auto pid = pop(); stack_.push_back(storage(pid)); break; }
        case '0': pop(); break;
        case '2': stack_.push_back(back()); break;
        default: {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02x", op);
          fail(std::string("unsupported pickle opcode ") + hex);
        }
      }
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(path_ + ": cannot read this torch.save file (" + what + " at byte " + std::to_string(pos_) + ")");
  }
  uint8_t byte() {
    if (pos_ >= p_.size()) fail("unexpected end of the pickle");
    return static_cast<uint8_t>(p_[pos_++]);
  }
  void skip(size_t n) {
    if (pos_ + n > p_.size()) fail("unexpected end of the pickle");
    pos_ += n;
  }
  uint64_t le(size_t n) {
    uint64_t v = 0;
    for (size_t k = 0; k < n; ++k) v |= static_cast<uint64_t>(byte()) << (8 * k);
    return v;
  }
  std::string text(size_t n) {
    if (pos_ + n > p_.size()) fail("unexpected end of the pickle");
    std::string s = p_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  std::string line() {
    auto end = p_.find('\n', pos_);
    if (end == std::string::npos) fail("unterminated GLOBAL");
    std::string s = p_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }
  void push_int(int64_t v) {
    auto x = make(Value::Int);
    x->i = v;
    stack_.push_back(x);
  }
  void push_string(std::string s) {
    auto x = make(Value::String);
    x->s = std::move(s);
    stack_.push_back(x);
  }
  ValuePtr pop() {
    if (stack_.empty()) fail("stack underflow");
    auto v = stack_.back();
    stack_.pop_back();
    return v;
  }
  ValuePtr back() {
    if (stack_.empty()) fail("stack underflow");
    return stack_.back();
  }
  ValuePtr top(Value::Kind k) {
    auto v = back();
    if (v->kind != k) fail("unexpected object kind");
    return v;
  }
  ValuePtr memo(uint64_t k) {
    auto it = memo_.find(k);
    if (it == memo_.end()) fail("memo entry missing");
    return it->second;
  }
  std::vector<ValuePtr> pop_to_mark() {
    std::vector<ValuePtr> out;
    for (;;) {
      auto v = pop();
      if (v->kind == Value::Mark) break;
      out.push_back(v);
    }
    return {out.rbegin(), out.rend()};
  }
  void set_items(const ValuePtr& d, const std::vector<ValuePtr>& kv) {
    if (kv.size() % 2) fail("odd number of dict items");
    for (size_t k = 0; k < kv.size(); k += 2) d->entries.emplace_back(kv[k], kv[k + 1]);
  }

  ValuePtr storage(const ValuePtr& pid) {
    // ('storage', <storage type>, key, location, numel)
    if (pid->kind != Value::Tuple || pid->items.size() < 5 || pid->items[0]->s != "storage") fail("unsupported persistent id");
    const auto dtype = storage_dtype(pid->items[1]->s2);
    const std::string key = pid->items[2]->s;
    auto it = storages_.find(key);
    if (it == storages_.end()) {
      const int64_t numel = pid->items[4]->i;
      const std::string record = "data/" + key;
      if (!zip_.hasRecord(record)) fail("missing tensor data " + record);
      auto [data, size] = zip_.getRecord(record);
      const size_t need = static_cast<size_t>(numel) * c10::elementSize(dtype);
      if (size < need) fail("tensor data " + record + " is truncated");
      auto t = torch::empty({numel}, torch::TensorOptions().dtype(dtype));
      std::memcpy(t.data_ptr(), data.get(), need);
      it = storages_.emplace(key, t).first;
    }
    auto v = make(Value::Storage);
    v->tensor = it->second;
    return v;
  }

  static std::vector<int64_t> ints(const ValuePtr& t) {
    std::vector<int64_t> out;
    for (auto& x : t->items) out.push_back(x->i);
    return out;
  }

  ValuePtr call(const ValuePtr& fn, const ValuePtr& args) {
    if (fn->kind != Value::Global) fail("call of a non-global");
    const std::string name = fn->s + "." + fn->s2;
    if (name == "collections.OrderedDict" || name == "builtins.dict") {
      auto d = make(Value::Dict);
      return d;
    }
    if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") {
      const auto& a = args->items;
      if (a.size() < 4 || a[0]->kind != Value::Storage) fail("malformed tensor record");
      auto v = make(Value::Tensor);
      v->tensor = a[0]->tensor.as_strided(ints(a[2]), ints(a[3]), a[1]->i).clone();
      return v;
    }
    if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state") {
      if (args->items.empty() || args->items[0]->kind != Value::Tensor) fail("malformed parameter record");
      return args->items[0];
    }
    if (name == "torch.device") return make(Value::None);
    // Anything else (optimizer objects, argparse Namespaces, …) is kept as an opaque None: its
    // tensors, if any, are not part of a state dict.
    return make(Value::None);
  }

  std::string path_;
  caffe2::serialize::PyTorchStreamReader& zip_;
  const std::string& p_;
  size_t pos_ = 0;
  std::vector<ValuePtr> stack_;
  std::map<uint64_t, ValuePtr> memo_;
  std::map<std::string, torch::Tensor> storages_;
};

void flatten(const ValuePtr& v, const std::string& prefix, std::vector<std::pair<std::string, torch::Tensor>>& out) {
  if (v->kind == Value::Tensor) {
    out.emplace_back(prefix, v->tensor);
    return;
  }
  if (v->kind != Value::Dict) return;
  for (auto& [k, x] : v->entries) {
    if (k->kind != Value::String) continue;
    flatten(x, prefix.empty() ? k->s : prefix + "." + k->s, out);
  }
}

}  // namespace

std::vector<std::pair<std::string, torch::Tensor>> read_torch_save_tensors(const std::string& path) {
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> zip;
  try {
    zip = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
  } catch (const c10::Error& e) {
    throw std::runtime_error(path + ": not a readable zip-format torch.save file (" + std::string(e.what_without_backtrace()) + ")");
  }
  if (!zip->hasRecord("data.pkl")) throw std::runtime_error(path + ": no data.pkl in the archive (not a torch.save file?)");
  auto [data, size] = zip->getRecord("data.pkl");
  const std::string pickle(static_cast<const char*>(data.get()), size);
  Interpreter vm(path, *zip, pickle);
  auto root = vm.run();
  std::vector<std::pair<std::string, torch::Tensor>> out;
  flatten(root, "", out);
  if (out.empty()) throw std::runtime_error(path + ": the file holds no tensors");
  return out;
}

}  // namespace casm::io
