// Just enough JSON for safetensors headers: objects (insertion order kept), arrays, strings,
// numbers, booleans and null. Not a general-purpose library.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace casm::io {

struct JsonValue {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;

  const JsonValue* get(const std::string& key) const {
    for (auto& kv : object)
      if (kv.first == key) return &kv.second;
    return nullptr;
  }
};

JsonValue parse_json(const std::string& text);
std::string json_quote(const std::string& s);

}  // namespace casm::io
