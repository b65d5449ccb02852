// Just enough JSON for safetensors headers: objects (insertion order kept), arrays, strings,
// numbers, booleans and null. Not a general-purpose library, but strict: it accepts exactly the
// RFC 8259 grammar (no hex, no inf/nan, no numbers that overflow a double, no leading '+', no raw
// control characters in strings, \u escapes checked and surrogate pairs joined, raw bytes valid
// UTF-8), nests at most kMaxJsonDepth deep, and rejects duplicate object keys (two entries for one
// tensor name would make the file ambiguous). Every error is a std::runtime_error naming the offset.
// It is fuzzed (fuzz/json_fuzzer.cpp) with nlohmann-json as the oracle. Why not use nlohmann-json
// (MIT) itself: the bugs found here were one bad escape and a lax number grammar, now fixed and
// fuzzed; the checks that matter for safetensors (schema, integer ranges, overlaps) are ours either
// way; and vendoring its ~25,000-line single header would add compile time to every npm source
// build in exchange for ~250 lines of parsing.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace casm::io {

constexpr int kMaxJsonDepth = 64;

struct JsonValue {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool boolean = false;
  double number = 0;
  // Number only: true when the literal is an integer (no fraction, no exponent) that fits an
  // int64; `integer` then holds it exactly (a double loses offsets above 2^53).
  bool is_integer = false;
  int64_t integer = 0;
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
