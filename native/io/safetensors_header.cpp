#include "safetensors_header.h"

#include "json_lite.h"

#include <algorithm>
#include <stdexcept>

namespace casm::io {

namespace {

// Larger integers are not exactly representable in the JavaScript reader of the same files, so
// both readers refuse them (and no real tensor comes near 2^53 bytes).
constexpr int64_t kMaxExactInteger = (int64_t{1} << 53);
constexpr size_t kMaxDims = 64;

[[noreturn]] void fail(const std::string& file, const std::string& what) {
  throw std::runtime_error(file + ": corrupt safetensors header (" + what + ")");
}

const char* kind_name(const JsonValue& v) {
  switch (v.kind) {
    case JsonValue::Null:
      return "null";
    case JsonValue::Bool:
      return "a boolean";
    case JsonValue::Number:
      return "a number";
    case JsonValue::String:
      return "a string";
    case JsonValue::Array:
      return "an array";
    case JsonValue::Object:
      return "an object";
  }
  return "a value";
}

int64_t exact_count(const JsonValue& v, const std::string& file, const std::string& field) {
  if (v.kind != JsonValue::Number || !v.is_integer || v.integer < 0 || v.integer > kMaxExactInteger)
    fail(file, field + " must be an integer in 0..2^53");
  return v.integer;
}

}  // namespace

size_t safetensors_element_size(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64") return 8;
  if (dtype == "F32" || dtype == "I32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16") return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL") return 1;
  return 0;
}

SafetensorsHeader parse_safetensors_header(const std::string& json, uint64_t data_size, const std::string& file) {
  JsonValue root;
  try {
    root = parse_json(json);
  } catch (const std::exception& e) {
    fail(file, e.what());
  }
  if (root.kind != JsonValue::Object) fail(file, std::string("the header is ") + kind_name(root) + ", not an object");
  SafetensorsHeader out;
  for (auto& [name, v] : root.object) {
    if (name == "__metadata__") {
      if (v.kind != JsonValue::Object) fail(file, "__metadata__ must be an object of strings");
      for (auto& [k, s] : v.object) {
        if (s.kind != JsonValue::String) fail(file, "__metadata__." + k + " must be a string");
        out.metadata[k] = s.string;
      }
      continue;
    }
    const std::string where = "tensor '" + name + "'";
    if (v.kind != JsonValue::Object) fail(file, where + " is " + kind_name(v) + ", not an object");
    const JsonValue* dt = v.get("dtype");
    const JsonValue* shape = v.get("shape");
    const JsonValue* offs = v.get("data_offsets");
    if (!dt || !shape || !offs) fail(file, where + " lacks dtype, shape or data_offsets");
    if (dt->kind != JsonValue::String) fail(file, where + ": dtype must be a string");
    const size_t element = safetensors_element_size(dt->string);
    if (element == 0) throw std::runtime_error(file + ": tensor '" + name + "' has unsupported dtype " + dt->string);
    if (shape->kind != JsonValue::Array || shape->array.size() > kMaxDims)
      fail(file, where + ": shape must be an array of at most " + std::to_string(kMaxDims) + " integers");
    SafetensorsEntry e;
    e.name = name;
    e.dtype = dt->string;
    // Byte size with an overflow check at every factor: a product that passes 2^53 is refused
    // before it can wrap.
    uint64_t bytes = element;
    for (auto& d : shape->array) {
      const int64_t n = exact_count(d, file, where + ": shape entry");
      e.shape.push_back(n);
      if (n != 0 && bytes > static_cast<uint64_t>(kMaxExactInteger) / static_cast<uint64_t>(n))
        fail(file, where + ": shape is too large");
      bytes *= static_cast<uint64_t>(n);
    }
    if (offs->kind != JsonValue::Array || offs->array.size() != 2)
      fail(file, where + ": data_offsets must be [begin, end]");
    e.begin = static_cast<uint64_t>(exact_count(offs->array[0], file, where + ": data_offsets[0]"));
    e.end = static_cast<uint64_t>(exact_count(offs->array[1], file, where + ": data_offsets[1]"));
    if (e.end < e.begin || e.end > data_size || e.end - e.begin != bytes)
      throw std::runtime_error(file + ": tensor '" + name + "' has inconsistent data offsets [" +
                               std::to_string(e.begin) + ", " + std::to_string(e.end) + "] for " +
                               std::to_string(bytes) + " bytes in a data section of " + std::to_string(data_size) +
                               " (file truncated or corrupt)");
    out.tensors.push_back(std::move(e));
  }
  // Two tensors over the same bytes are a corrupt (or crafted) file; empty tensors own no bytes.
  std::vector<const SafetensorsEntry*> sorted;
  for (auto& t : out.tensors)
    if (t.end > t.begin) sorted.push_back(&t);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
  for (size_t k = 1; k < sorted.size(); ++k)
    if (sorted[k]->begin < sorted[k - 1]->end)
      fail(file, "tensors '" + sorted[k - 1]->name + "' and '" + sorted[k]->name + "' overlap");
  return out;
}

}  // namespace casm::io
