// Checkpoint folders: model.safetensors (classifier.*, decoder.*, encoder.* with torchvision and
// the authors' names), optimizer.safetensors, pool.safetensors and state.json. Written to a
// temporary folder, fsynced, then renamed into place.
#pragma once

#include "../casm/trainer.h"

namespace casm::io {

void save_checkpoint(Trainer& trainer, const std::string& dir, const std::string& state_json);
// Restores model, optimisers and pool; returns state.json's text.
std::string load_checkpoint(Trainer& trainer, const std::string& dir);

// model.safetensors metadata: what a loader needs to rebuild the architecture.
std::map<std::string, std::string> model_metadata(const Model& model);
void save_model_weights(Model& model, const std::string& path);

}  // namespace casm::io
