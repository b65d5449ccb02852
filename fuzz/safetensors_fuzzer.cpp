// libFuzzer harness for native/io/safetensors_header.cpp. The input is a whole safetensors file
// (8-byte header length, header, data). Whatever the header claims, an accepted header must
// describe tensors inside the data section, of exactly their dtype × shape size, never
// overlapping: the properties read_safetensors relies on before it allocates anything.
#include "../native/io/safetensors_header.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  uint64_t hlen = 0;
  for (int i = 0; i < 8; ++i) hlen |= static_cast<uint64_t>(data[i]) << (8 * i);
  if (hlen > size - 8) return 0;
  const std::string header(reinterpret_cast<const char*>(data) + 8, hlen);
  const uint64_t data_size = size - 8 - hlen;
  casm::io::SafetensorsHeader h;
  try {
    h = casm::io::parse_safetensors_header(header, data_size, "fuzz.safetensors");
  } catch (const std::runtime_error&) {
    return 0;
  }
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (auto& t : h.tensors) {
    const size_t element = casm::io::safetensors_element_size(t.dtype);
    if (element == 0 || t.begin > t.end || t.end > data_size) abort();
    unsigned __int128 bytes = element;
    for (int64_t d : t.shape) {
      if (d < 0) abort();
      bytes *= static_cast<uint64_t>(d);
    }
    if (bytes != t.end - t.begin) abort();
    if (t.end > t.begin) ranges.emplace_back(t.begin, t.end);
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t k = 1; k < ranges.size(); ++k)
    if (ranges[k].first < ranges[k - 1].second) abort();
  return 0;
}
