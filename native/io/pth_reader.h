// Reads state dicts saved by torch.save (zip format, PyTorch ≥ 1.6). torch::pickle_load cannot
// do this: its unpickler turns collections.OrderedDict, which every nn.Module.state_dict() is,
// into None. So the pickle program is interpreted here, for the opcodes and the few globals that
// state dicts use (OrderedDict, _rebuild_tensor_v2, _rebuild_parameter, the storage types), and
// the tensor data is read from the zip archive with LibTorch's own PyTorchStreamReader.
#pragma once

#include "../compat.h"

#include <string>
#include <utility>
#include <vector>

namespace casm::io {

// Every tensor in the file, with nested dicts flattened to dotted names.
std::vector<std::pair<std::string, torch::Tensor>> read_torch_save_tensors(const std::string& path);

}  // namespace casm::io
