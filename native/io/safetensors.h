// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
// header length, a JSON header {name: {dtype, shape, data_offsets}}, then raw little-endian data.
// Readable from PyTorch with safetensors.torch.load_file.
#pragma once

#include "../compat.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace casm::io {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

// Writes the tensors (moved to CPU, contiguous) and fsyncs the file before returning.
void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// Reads every tensor; errors name the file and what is wrong with it.
NamedTensors read_safetensors(const std::string& path, std::map<std::string, std::string>* metadata = nullptr);

}  // namespace casm::io
