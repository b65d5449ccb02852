// libFuzzer harness for native/io/json_lite.cpp. Besides "no crash, no sanitizer report", it checks
// json_lite against nlohmann-json (Debian's nlohmann-json3-dev, used here only as an oracle): a
// document json_lite accepts must be valid JSON, and valid JSON may only be refused for json_lite's
// own documented limits (duplicate keys, nesting depth).
#include "../native/io/json_lite.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#if __has_include(<nlohmann/json.hpp>)
#include <nlohmann/json.hpp>
#define CASM_JSON_ORACLE 1
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  bool accepted = false;
  std::string error;
  try {
    casm::io::parse_json(text);
    accepted = true;
  } catch (const std::runtime_error& e) {
    error = e.what();
  }
#ifdef CASM_JSON_ORACLE
  const bool valid = nlohmann::json::accept(text);
  if (accepted && !valid) abort();
  // nlohmann treats a NUL byte as the end of the input, so "[1]\0junk" is valid to it; RFC 8259
  // (and json_lite) refuse it. Inputs with a NUL only check the first direction.
  const bool has_nul = text.find('\0') != std::string::npos;
  if (!accepted && valid && !has_nul && error.find("duplicate key") == std::string::npos &&
      error.find("nesting deeper") == std::string::npos)
    abort();
#endif
  return 0;
}
