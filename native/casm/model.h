// A CASM model: the classifier f (whose trunk is the mask encoder), the decoder D and, for the
// not-shared ablation, a separate encoder, all on one device.
#pragma once

#include "../models/decoder.h"

#include <map>
#include <mutex>
#include <optional>

namespace casm {

// No defaults here (src/native/defaults.ts holds them): the binding sets every field.
struct ModelConfig {
  std::string arch;
  ResNetConfig resnet;
  std::string device;
  bool separate_encoder;
  bool bilinear_final;
  uint64_t seed;
};

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

class Model {
 public:
  explicit Model(const ModelConfig& config);

  const ModelConfig& config() const { return config_; }
  const torch::Device& device() const { return device_; }

  ResNet& classifier() { return classifier_; }
  Decoder& decoder() { return decoder_; }
  // The mapping's encoder: the classifier itself unless the encoder is separate.
  ResNet& encoder() { return encoder_ ? *encoder_ : classifier_; }
  bool separate_encoder() const { return encoder_.has_value(); }

  // Parameters and buffers with torchvision/authors' names under "classifier.", "decoder.",
  // "encoder." (num_batches_tracked included, so PyTorch's strict load_state_dict accepts them).
  NamedTensors state(bool include_encoder = true);
  // Copies tensors by name into the model; returns the names it did not use.
  std::vector<std::string> load_state(const NamedTensors& tensors, bool strict);

  // Calls on one model run one at a time (the JS side queues them too; this is the backstop).
  std::mutex& mutex() { return mutex_; }

 private:
  ModelConfig config_;
  torch::Device device_;
  ResNet classifier_{nullptr};
  Decoder decoder_{nullptr};
  std::optional<ResNet> encoder_;
  std::mutex mutex_;
};

// Puts a module in eval mode for a scope and restores its previous mode, also on exceptions.
class EvalModeScope {
 public:
  explicit EvalModeScope(torch::nn::Module& m) : module_(m), was_training_(m.is_training()) { m.eval(); }
  ~EvalModeScope() { module_.train(was_training_); }
  EvalModeScope(const EvalModeScope&) = delete;
  EvalModeScope& operator=(const EvalModeScope&) = delete;

 private:
  torch::nn::Module& module_;
  bool was_training_;
};

// Named parameters and buffers of one module, prefixed.
void append_state(torch::nn::Module& module, const std::string& prefix, NamedTensors& out);

// Device string check: "cpu", "cuda", "cuda:N"; throws a readable error when CUDA is absent.
torch::Device parse_device(const std::string& name);

// Channels-last weights on CUDA (faster convolutions with cuDNN); a no-op on CPU.
void to_channels_last_if_cuda(torch::nn::Module& module, const torch::Device& device);

}  // namespace casm
