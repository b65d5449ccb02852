// Validation of a safetensors header, kept free of LibTorch so that it can be fuzzed on its own
// (fuzz/safetensors_fuzzer.cpp). Everything the reader later trusts is checked here: the JSON is
// an object of entries with a supported dtype, a shape of non-negative integers whose byte size
// does not overflow, integer data offsets inside the data section that match that byte size, and
// no two tensors sharing bytes. Errors name the file and the tensor or field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace casm::io {

struct SafetensorsEntry {
  std::string name;
  std::string dtype;  // one of the names safetensors_element_size knows
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte range within the data section
};

struct SafetensorsHeader {
  std::vector<SafetensorsEntry> tensors;  // in file order
  std::map<std::string, std::string> metadata;
};

// Bytes per element of a safetensors dtype name; 0 for a dtype this package does not read.
size_t safetensors_element_size(const std::string& dtype);

// `data_size`: bytes after the header, i.e. the file size − 8 − header length.
SafetensorsHeader parse_safetensors_header(const std::string& json, uint64_t data_size, const std::string& file);

}  // namespace casm::io
