// The pickle program of a torch.save file, interpreted without LibTorch (so it can be fuzzed on
// its own, fuzz/pickle_fuzzer.cpp) into the list of tensors a state dict names. Only the opcodes
// and globals that state dicts use are understood. The input is untrusted, so:
//   - every object lives in one arena owned by the interpreter: teardown is a flat loop, never a
//     recursion over nested values, and cyclic structures (built with the memo) cannot leak;
//   - the number of values pushed, memo entries and the pickle size are capped (PickleLimits),
//     which bounds memory whatever the file claims;
//   - nested dicts are walked with an explicit stack, at most max_depth deep and max_visits
//     entries in all, so neither depth nor a shared/cyclic dict can exhaust stack or time;
//   - storages and tensor views are checked (kinds, non-negative sizes, no overflow, the view
//     inside its storage) before anything is allocated from them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace casm::io {

struct PickleLimits {
  size_t max_pickle_bytes = size_t{64} << 20;
  size_t max_values = 1'000'000;             // stack pushes, each a new object or a reference to one
  size_t max_memo = 1'000'000;               // memo entries
  size_t max_depth = 64;                     // dict nesting in the flattened state dict
  size_t max_visits = 1'000'000;             // dict entries walked while flattening
  size_t max_name_bytes = size_t{16} << 20;  // all flattened tensor names together
};

// A storage as the pickle describes it: data/<key> in the archive.
struct PickleStorage {
  std::string key;
  std::string type;  // "FloatStorage", "HalfStorage", … (validated against pickle_storage_element_size)
  int64_t numel = 0;
};

// One named tensor: a strided view of a storage. `id` is the same for names that refer to the same
// tensor object, so it is materialised once.
struct PickleTensor {
  std::string name;
  size_t id = 0;
  size_t storage = 0;  // index into PickleStateDict::storages
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;
};

struct PickleStateDict {
  std::vector<PickleStorage> storages;
  std::vector<PickleTensor> tensors;
};

// Bytes per element of a torch storage type name (without "torch."); 0 when unsupported.
size_t pickle_storage_element_size(const std::string& type);

// Runs the pickle; errors are std::runtime_error naming `file`, the problem and the byte offset.
PickleStateDict read_state_dict_pickle(std::string_view pickle, const std::string& file,
                                       const PickleLimits& limits = {});

}  // namespace casm::io
