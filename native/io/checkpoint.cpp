#include "checkpoint.h"

#include "fs_util.h"
#include "safetensors.h"

#include <filesystem>
#include <stdexcept>

namespace casm::io {

namespace fs = std::filesystem;

std::map<std::string, std::string> model_metadata(const Model& model) {
  const auto& c = model.config();
  std::string layers;
  for (size_t i = 0; i < c.resnet.layers.size(); ++i) layers += (i ? "," : "") + std::to_string(c.resnet.layers[i]);
  return {{"format", "casm-native"},
          {"arch", c.arch},
          {"block", c.resnet.block},
          {"layers", layers},
          {"num_classes", std::to_string(c.resnet.num_classes)},
          {"separate_encoder", c.separate_encoder ? "true" : "false"},
          {"upsample", c.bilinear_final ? "bilinear" : "nearest"},
          {"torch", compat::torch_version()}};
}

void save_model_weights(Model& model, const std::string& path) {
  write_safetensors(path, model.state(), model_metadata(model));
}

void save_checkpoint(Trainer& trainer, const std::string& dir, const std::string& state_json) {
  const std::string tmp = make_temp_dir_beside(dir);
  try {
    save_model_weights(trainer.model(), tmp + "/model.safetensors");
    write_safetensors(tmp + "/optimizer.safetensors", trainer.optimizer_state());
    write_safetensors(tmp + "/pool.safetensors", trainer.pool().state());
    write_text_file(tmp + "/state.json", state_json);
    publish_dir(tmp, dir);
  } catch (...) {
    remove_tree(tmp);
    throw;
  }
}

std::string load_checkpoint(Trainer& trainer, const std::string& dir) {
  for (const char* f : {"model.safetensors", "optimizer.safetensors", "pool.safetensors", "state.json"})
    if (!fs::exists(fs::path(dir) / f))
      throw std::runtime_error("'" + dir + "' is not a complete checkpoint: " + f + " is missing");
  auto model = read_safetensors(dir + "/model.safetensors");
  auto optim = read_safetensors(dir + "/optimizer.safetensors");
  auto pool = read_safetensors(dir + "/pool.safetensors");
  auto state = read_text_file(dir + "/state.json");
  // Everything is read and checked before anything is changed, so a corrupt file leaves the
  // trainer as it was (apart from a shape mismatch found while copying, reported as an error).
  trainer.model().load_state(model, /*strict=*/true);
  trainer.load_optimizer_state(optim);
  trainer.pool().load_state(pool);
  return state;
}

}  // namespace casm::io
