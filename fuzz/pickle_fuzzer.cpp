// libFuzzer harness for native/io/pickle_vm.cpp (the data.pkl interpreter of the .pth reader).
// An accepted pickle must only describe views that lie inside their storage and hold no more
// elements than it: pth_reader copies those views out of the storage without further checks.
#include "../native/io/pickle_vm.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  casm::io::PickleStateDict dict;
  try {
    dict = casm::io::read_state_dict_pickle(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.pth");
  } catch (const std::runtime_error&) {
    return 0;
  }
  for (auto& t : dict.tensors) {
    if (t.storage >= dict.storages.size() || t.sizes.size() != t.strides.size()) abort();
    const auto& s = dict.storages[t.storage];
    if (casm::io::pickle_storage_element_size(s.type) == 0 || s.numel < 0) abort();
    if (t.offset < 0 || t.offset > s.numel) abort();
    if (std::find(t.sizes.begin(), t.sizes.end(), 0) != t.sizes.end()) continue;  // empty view
    __int128 numel = 1, last = t.offset;
    for (size_t d = 0; d < t.sizes.size(); ++d) {
      if (t.sizes[d] < 0 || t.strides[d] < 0) abort();
      numel *= t.sizes[d];
      if (numel > s.numel) abort();
      last += static_cast<__int128>(t.sizes[d] - 1) * t.strides[d];
    }
    if (last >= s.numel) abort();
  }
  return 0;
}
