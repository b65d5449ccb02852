// Importing weights: torchvision ResNet state dicts (.pth written by torch.save, read by
// pth_reader.h; or .safetensors), the authors' checkpoints (state_dict_classifier /
// state_dict_decoder), and our own model.safetensors or checkpoint folders.
#pragma once

#include "../casm/model.h"

namespace casm::io {

struct ImportReport {
  int64_t loaded = 0;
  std::vector<std::string> skipped;  // names present in the file but not used, with the reason
};

// target: "" = decide from the names (ours: classifier./decoder./encoder.; torchvision: classifier,
// and the separate encoder too), or an explicit prefix "classifier." / "encoder." / "decoder.".
ImportReport import_weights(Model& model, const std::string& path, const std::string& target, bool strict);

// Reads a .pth state dict (zip format of torch.save) into named tensors (see pth_reader.h).
NamedTensors read_pth_state_dict(const std::string& path);

}  // namespace casm::io
