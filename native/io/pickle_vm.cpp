#include "pickle_vm.h"

#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace casm::io {

namespace {

// Views and storages larger than this many elements are refused: no real tensor comes near it,
// and products stay far from int64 overflow.
constexpr int64_t kMaxElements = int64_t{1} << 53;
constexpr size_t kMaxDims = 64;

struct Value {
  enum Kind : uint8_t { None, Bool, Int, Float, String, Tuple, List, Dict, Global, Tensor, Storage } kind = None;
  int64_t i = 0;              // Bool, Int; Tensor: index into tensors_; Storage: index into storages
  double f = 0;               // Float
  std::string s;              // String; Global: "module.name"
  std::vector<Value*> items;  // Tuple, List; Dict: key, value, key, value, … (insertion order)
};

const char* kind_name(Value::Kind k) {
  switch (k) {
    case Value::None:
      return "None";
    case Value::Bool:
      return "bool";
    case Value::Int:
      return "int";
    case Value::Float:
      return "float";
    case Value::String:
      return "str";
    case Value::Tuple:
      return "tuple";
    case Value::List:
      return "list";
    case Value::Dict:
      return "dict";
    case Value::Global:
      return "global";
    case Value::Tensor:
      return "tensor";
    case Value::Storage:
      return "storage";
  }
  return "value";
}

struct TensorView {
  size_t storage = 0;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;
};

class Interpreter {
 public:
  Interpreter(std::string_view pickle, const std::string& file, const PickleLimits& limits)
      : p_(pickle), file_(file), limits_(limits) {
    if (p_.size() > limits_.max_pickle_bytes)
      fail("the pickle is " + std::to_string(p_.size()) + " bytes, more than the limit of " +
           std::to_string(limits_.max_pickle_bytes));
  }

  PickleStateDict run() {
    Value* root = execute();
    PickleStateDict out;
    out.storages = storages_;
    flatten(root, out);
    return out;
  }

 private:
  Value* execute() {
    for (;;) {
      const size_t at = pos_;
      const uint8_t op = byte();
      switch (op) {
        case 0x80:
          byte();
          break;  // PROTO
        case 0x95:
          skip(8);
          break;   // FRAME
        case '.':  // STOP
          if (stack_.size() != 1 || !marks_.empty())
            fail_at(at, "STOP with " + std::to_string(stack_.size()) + " values on the stack");
          return stack_.back();
        case '(':
          marks_.push_back(stack_.size());
          break;
        case ')':
          push(make(Value::Tuple));
          break;
        case 't': {
          auto* t = make(Value::Tuple);
          t->items = pop_to_mark();
          push(t);
          break;
        }
        case 0x85:
        case 0x86:
        case 0x87: {  // TUPLE1..3
          auto* t = make(Value::Tuple);
          t->items.resize(op - 0x84);
          for (size_t k = t->items.size(); k-- > 0;) t->items[k] = pop();
          push(t);
          break;
        }
        case ']':
          push(make(Value::List));
          break;
        case 'l': {
          auto* l = make(Value::List);
          l->items = pop_to_mark();
          push(l);
          break;
        }
        case 'a': {
          auto* v = pop();
          top(Value::List)->items.push_back(v);
          break;
        }
        case 'e': {
          auto vs = pop_to_mark();
          auto* l = top(Value::List);
          l->items.insert(l->items.end(), vs.begin(), vs.end());
          break;
        }
        case '}':
          push(make(Value::Dict));
          break;
        case 'd': {
          auto* d = make(Value::Dict);
          set_items(d, pop_to_mark());
          push(d);
          break;
        }
        case 's': {
          auto* v = pop();
          auto* k = pop();
          auto* d = top(Value::Dict);
          d->items.push_back(k);
          d->items.push_back(v);
          break;
        }
        case 'u': {
          auto vs = pop_to_mark();
          set_items(top(Value::Dict), vs);
          break;
        }
        case 'N':
          push(make(Value::None));
          break;
        case 0x88:
        case 0x89: {
          auto* v = make(Value::Bool);
          v->i = op == 0x88;
          push(v);
          break;
        }
        case 'K':
          push_int(byte());
          break;
        case 'M':
          push_int(static_cast<int64_t>(le(2)));
          break;
        case 'J':
          push_int(static_cast<int32_t>(le(4)));
          break;
        case 0x8a: {  // LONG1: n-byte little-endian two's complement
          const size_t n = byte();
          if (n > 8) fail_at(at, "integer of " + std::to_string(n) + " bytes (at most 8 are supported)");
          const uint64_t raw = le(n);
          int64_t v = static_cast<int64_t>(raw);
          if (n > 0 && n < 8 && ((raw >> (8 * n - 1)) & 1)) v = static_cast<int64_t>(raw | (~uint64_t{0} << (8 * n)));
          push_int(v);
          break;
        }
        case 'G': {  // BINFLOAT, big-endian
          uint64_t raw = 0;
          for (int k = 0; k < 8; ++k) raw = (raw << 8) | byte();
          auto* v = make(Value::Float);
          std::memcpy(&v->f, &raw, 8);
          push(v);
          break;
        }
        case 'X':
          push_string(text(le(4)));
          break;
        case 0x8c:
        case 'U':
          push_string(text(byte()));
          break;
        case 'q':
          put_memo(byte());
          break;
        case 'r':
          put_memo(le(4));
          break;
        case 0x94:
          put_memo(memo_.size());
          break;
        case 'h':
          push(memo(byte()));
          break;
        case 'j':
          push(memo(le(4)));
          break;
        case 'c': {  // GLOBAL: "module\nname\n"
          std::string module = line();
          std::string name = line();
          push_global(module, name);
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          auto* name = pop();
          auto* module = pop();
          if (module->kind != Value::String || name->kind != Value::String)
            fail_at(at, "STACK_GLOBAL needs two strings");
          push_global(module->s, name->s);
          break;
        }
        case 'R':
        case 0x81: {  // REDUCE, NEWOBJ
          auto* args = pop();
          auto* fn = pop();
          push(call(fn, args, at));
          break;
        }
        case 'b':
          pop();
          break;  // BUILD: OrderedDict's _metadata and the like are not needed
        case 'Q': {
          auto* pid = pop();
          push(storage(pid, at));
          break;
        }
        case '0':
          pop();
          break;
        case '2':
          push(back());
          break;
        default: {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02x", op);
          fail_at(at, std::string("unsupported pickle opcode ") + hex);
        }
      }
    }
  }

  [[noreturn]] void fail_at(size_t at, const std::string& what) const {
    throw std::runtime_error(file_ + ": cannot read this torch.save file (" + what + " at byte " + std::to_string(at) +
                             " of data.pkl)");
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(file_ + ": cannot read this torch.save file (" + what + ")");
  }

  Value* make(Value::Kind k) {
    arena_.emplace_back();
    arena_.back().kind = k;
    return &arena_.back();
  }
  void push(Value* v) {
    if (++pushes_ > limits_.max_values)
      fail_at(pos_, "more than " + std::to_string(limits_.max_values) + " values (a state dict needs far fewer)");
    stack_.push_back(v);
  }
  uint8_t byte() {
    if (pos_ >= p_.size()) fail_at(pos_, "unexpected end of the pickle");
    return static_cast<uint8_t>(p_[pos_++]);
  }
  void skip(size_t n) {
    if (n > p_.size() - pos_) fail_at(pos_, "unexpected end of the pickle");
    pos_ += n;
  }
  uint64_t le(size_t n) {
    uint64_t v = 0;
    for (size_t k = 0; k < n; ++k) v |= static_cast<uint64_t>(byte()) << (8 * k);
    return v;
  }
  std::string text(uint64_t n) {
    if (n > p_.size() - pos_) fail_at(pos_, "a string runs past the end of the pickle");
    std::string s(p_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::string line() {
    const auto end = p_.find('\n', pos_);
    if (end == std::string_view::npos) fail_at(pos_, "unterminated GLOBAL");
    std::string s(p_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }
  void push_int(int64_t v) {
    auto* x = make(Value::Int);
    x->i = v;
    push(x);
  }
  void push_string(std::string s) {
    auto* x = make(Value::String);
    x->s = std::move(s);
    push(x);
  }
  void push_global(const std::string& module, const std::string& name) {
    auto* g = make(Value::Global);
    g->s = module + "." + name;
    push(g);
  }
  // A value above the innermost mark; popping through a mark is a malformed pickle.
  Value* pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) fail_at(pos_ - 1, "stack underflow");
    Value* v = stack_.back();
    stack_.pop_back();
    return v;
  }
  Value* back() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() <= marks_.back())) fail_at(pos_ - 1, "stack underflow");
    return stack_.back();
  }
  Value* top(Value::Kind k) {
    Value* v = back();
    if (v->kind != k)
      fail_at(pos_ - 1, std::string("expected a ") + kind_name(k) + " on the stack, found a " + kind_name(v->kind));
    return v;
  }
  void put_memo(uint64_t key) {
    Value* v = back();
    auto it = memo_.find(key);
    if (it != memo_.end()) {
      it->second = v;
      return;
    }
    if (memo_.size() >= limits_.max_memo)
      fail_at(pos_ - 1, "more than " + std::to_string(limits_.max_memo) + " memo entries");
    memo_.emplace(key, v);
  }
  Value* memo(uint64_t key) {
    auto it = memo_.find(key);
    if (it == memo_.end()) fail_at(pos_ - 1, "memo entry " + std::to_string(key) + " missing");
    return it->second;
  }
  std::vector<Value*> pop_to_mark() {
    if (marks_.empty()) fail_at(pos_ - 1, "no MARK on the stack");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<Value*> out(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return out;
  }
  void set_items(Value* d, const std::vector<Value*>& kv) {
    if (kv.size() % 2) fail_at(pos_ - 1, "odd number of dict items");
    d->items.insert(d->items.end(), kv.begin(), kv.end());
  }

  // ('storage', torch.<Type>Storage, key, location, numel)
  Value* storage(Value* pid, size_t at) {
    if (pid->kind != Value::Tuple || pid->items.size() < 5) fail_at(at, "persistent id is not a 5-tuple");
    const auto& a = pid->items;
    if (a[0]->kind != Value::String || a[0]->s != "storage") fail_at(at, "persistent id is not a 'storage' record");
    if (a[1]->kind != Value::Global || a[1]->s.rfind("torch.", 0) != 0)
      fail_at(at, "storage type is not a torch global");
    const std::string type = a[1]->s.substr(6);
    if (pickle_storage_element_size(type) == 0) fail_at(at, "unsupported storage type torch." + type);
    if (a[2]->kind != Value::String || a[2]->s.empty()) fail_at(at, "storage key is not a string");
    if (a[4]->kind != Value::Int || a[4]->i < 0 || a[4]->i > kMaxElements)
      fail_at(at, "storage size is not a non-negative integer");
    size_t index;
    auto it = storage_index_.find(a[2]->s);
    if (it == storage_index_.end()) {
      index = storages_.size();
      storages_.push_back({a[2]->s, type, a[4]->i});
      storage_index_.emplace(a[2]->s, index);
    } else {
      index = it->second;
      if (storages_[index].type != type || storages_[index].numel != a[4]->i)
        fail_at(at, "storage " + a[2]->s + " is described twice, differently");
    }
    auto* v = make(Value::Storage);
    v->i = static_cast<int64_t>(index);
    return v;
  }

  std::vector<int64_t> dims(const Value* t, size_t at, const char* what) const {
    if (t->kind != Value::Tuple && t->kind != Value::List)
      fail_at(at, std::string("tensor ") + what + " is not a tuple");
    if (t->items.size() > kMaxDims) fail_at(at, std::string("tensor ") + what + " has more than 64 dimensions");
    std::vector<int64_t> out;
    for (auto* x : t->items) {
      if (x->kind != Value::Int || x->i < 0 || x->i > kMaxElements)
        fail_at(at, std::string("tensor ") + what + " holds a value that is not a non-negative integer");
      out.push_back(x->i);
    }
    return out;
  }

  // torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …): the view must lie inside
  // its storage and hold no more elements than it (so a crafted stride of 0 cannot turn a small
  // storage into a huge tensor when it is copied out).
  Value* rebuild_tensor(const std::vector<Value*>& a, size_t at) {
    if (a.size() < 4 || a[0]->kind != Value::Storage || a[1]->kind != Value::Int)
      fail_at(at, "malformed tensor record");
    TensorView view;
    view.storage = static_cast<size_t>(a[0]->i);
    view.offset = a[1]->i;
    view.sizes = dims(a[2], at, "size");
    view.strides = dims(a[3], at, "stride");
    if (view.sizes.size() != view.strides.size()) fail_at(at, "tensor size and stride differ in length");
    const int64_t storage_numel = storages_[view.storage].numel;
    if (view.offset < 0 || view.offset > storage_numel) fail_at(at, "tensor offset outside its storage");
    int64_t numel = 1, last = view.offset;
    for (size_t d = 0; d < view.sizes.size(); ++d) {
      const int64_t n = view.sizes[d];
      if (n == 0) {
        numel = 0;
        break;
      }
      if (numel > storage_numel / n) fail_at(at, "tensor has more elements than its storage");
      numel *= n;
      // (n − 1) × stride, checked against the room left in the storage before multiplying.
      if (view.strides[d] != 0 && n - 1 > (storage_numel - last) / view.strides[d])
        fail_at(at, "tensor view runs past the end of its storage");
      last += (n - 1) * view.strides[d];
    }
    if (numel > 0 && last >= storage_numel) fail_at(at, "tensor view runs past the end of its storage");
    tensors_.push_back(std::move(view));
    auto* v = make(Value::Tensor);
    v->i = static_cast<int64_t>(tensors_.size() - 1);
    return v;
  }

  Value* call(Value* fn, Value* args, size_t at) {
    if (fn->kind != Value::Global) fail_at(at, std::string("call of a ") + kind_name(fn->kind) + ", not a global");
    if (args->kind != Value::Tuple) fail_at(at, "call arguments are not a tuple");
    const std::string& name = fn->s;
    if (name == "collections.OrderedDict" || name == "builtins.dict") return make(Value::Dict);
    if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor")
      return rebuild_tensor(args->items, at);
    if (name == "torch._utils._rebuild_parameter" || name == "torch._utils._rebuild_parameter_with_state") {
      if (args->items.empty() || args->items[0]->kind != Value::Tensor) fail_at(at, "malformed parameter record");
      return args->items[0];
    }
    // Anything else (torch.device, optimizer objects, argparse Namespaces, …) is kept as an opaque
    // None: its tensors, if any, are not part of a state dict.
    return make(Value::None);
  }

  // Nested dicts → dotted names, depth-first in insertion order, with an explicit stack.
  void flatten(Value* root, PickleStateDict& out) const {
    struct Frame {
      const Value* dict;
      size_t next;  // index of the next key in dict->items
      std::string prefix;
    };
    if (root->kind != Value::Dict) return;
    std::vector<Frame> frames{{root, 0, ""}};
    size_t visits = 0, name_bytes = 0;
    while (!frames.empty()) {
      Frame& f = frames.back();
      if (f.next >= f.dict->items.size()) {
        frames.pop_back();
        continue;
      }
      const Value* key = f.dict->items[f.next];
      const Value* value = f.dict->items[f.next + 1];
      f.next += 2;
      if (++visits > limits_.max_visits)
        fail("the state dict has more than " + std::to_string(limits_.max_visits) +
             " entries (shared or cyclic dicts?)");
      if (key->kind != Value::String) continue;
      if (value->kind != Value::Tensor && value->kind != Value::Dict) continue;
      std::string name = f.prefix.empty() ? key->s : f.prefix + "." + key->s;
      name_bytes += name.size();
      if (name_bytes > limits_.max_name_bytes)
        fail("tensor names longer than " + std::to_string(limits_.max_name_bytes) + " bytes in all");
      if (value->kind == Value::Dict) {
        if (frames.size() >= limits_.max_depth)
          fail("dicts nested deeper than " + std::to_string(limits_.max_depth) + " levels (at '" + name.substr(0, 200) +
               "…')");
        frames.push_back({value, 0, std::move(name)});  // invalidates f, which is not used again
        continue;
      }
      const TensorView& view = tensors_[static_cast<size_t>(value->i)];
      out.tensors.push_back(
          {std::move(name), static_cast<size_t>(value->i), view.storage, view.offset, view.sizes, view.strides});
    }
  }

  std::string_view p_;
  const std::string& file_;
  const PickleLimits& limits_;
  size_t pos_ = 0;
  size_t pushes_ = 0;
  std::deque<Value> arena_;  // owns every value; pointers into a deque stay valid as it grows
  std::vector<Value*> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Value*> memo_;
  std::vector<PickleStorage> storages_;
  std::map<std::string, size_t> storage_index_;
  std::vector<TensorView> tensors_;
};

}  // namespace

size_t pickle_storage_element_size(const std::string& type) {
  static const std::map<std::string, size_t> sizes = {
      {"FloatStorage", 4}, {"DoubleStorage", 8}, {"HalfStorage", 2}, {"BFloat16Storage", 2}, {"LongStorage", 8},
      {"IntStorage", 4},   {"ShortStorage", 2},  {"CharStorage", 1}, {"ByteStorage", 1},     {"BoolStorage", 1}};
  auto it = sizes.find(type);
  return it == sizes.end() ? 0 : it->second;
}

PickleStateDict read_state_dict_pickle(std::string_view pickle, const std::string& file, const PickleLimits& limits) {
  return Interpreter(pickle, file, limits).run();
}

}  // namespace casm::io
