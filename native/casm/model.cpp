#include "model.h"

#include "../env/cuda_runtime.h"

#include <set>
#include <sstream>
#include <stdexcept>

namespace casm {

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::Device(torch::kCPU);
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available())
      throw std::runtime_error("device '" + name +
                               "' requested but CUDA is not available in this LibTorch build or machine");
    torch::Device d(name);
    if (d.has_index() && d.index() >= static_cast<int64_t>(torch::cuda::device_count()))
      throw std::runtime_error("device '" + name + "' does not exist (" + std::to_string(torch::cuda::device_count()) +
                               " CUDA devices)");
    return d;
  }
  throw std::invalid_argument("device must be 'cpu', 'cuda' or 'cuda:N', got '" + name + "'");
}

void to_channels_last_if_cuda(torch::nn::Module& module, const torch::Device& device) {
  if (!device.is_cuda()) return;
  torch::NoGradGuard g;
  for (auto& p : module.parameters())
    if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
}

Model::Model(const ModelConfig& config) : config_(config), device_(parse_device(config.device)) {
  torch::manual_seed(config.seed);
  classifier_ = ResNet(config.resnet);
  decoder_ = Decoder(config.resnet.tap_channels(), config.bilinear_final);
  if (config.separate_encoder) encoder_ = ResNet(config.resnet);
  classifier_->to(device_);
  decoder_->to(device_);
  to_channels_last_if_cuda(*classifier_, device_);
  to_channels_last_if_cuda(*decoder_, device_);
  // Fixed input sizes during training: let cuDNN pick the fastest convolution algorithms.
  if (device_.is_cuda()) env::enable_cudnn_benchmark();
  if (encoder_) {
    (*encoder_)->to(device_);
    to_channels_last_if_cuda(**encoder_, device_);
  }
}

void append_state(torch::nn::Module& module, const std::string& prefix, NamedTensors& out) {
  for (auto& kv : module.named_parameters()) out.emplace_back(prefix + kv.key(), kv.value());
  for (auto& kv : module.named_buffers()) out.emplace_back(prefix + kv.key(), kv.value());
}

NamedTensors Model::state(bool include_encoder) {
  NamedTensors out;
  append_state(*classifier_, "classifier.", out);
  append_state(*decoder_, "decoder.", out);
  if (encoder_ && include_encoder) append_state(**encoder_, "encoder.", out);
  return out;
}

std::vector<std::string> Model::load_state(const NamedTensors& tensors, bool strict) {
  auto own = state();
  std::map<std::string, torch::Tensor> by_name(own.begin(), own.end());
  std::vector<std::string> unused;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;  // (destination, source)
  std::set<std::string> seen;
  // Check everything first, so a file that does not fit leaves the model untouched.
  for (const auto& [name, t] : tensors) {
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      unused.push_back(name);
      continue;
    }
    if (it->second.sizes() != t.sizes()) {
      std::ostringstream s;
      s << "tensor '" << name << "' has shape " << t.sizes() << " but the model expects " << it->second.sizes();
      throw std::runtime_error(s.str());
    }
    copies.emplace_back(it->second, t);
    seen.insert(name);
  }
  if (strict) {
    std::vector<std::string> missing;
    for (auto& [name, t] : own)
      if (!seen.count(name) && name.find("num_batches_tracked") == std::string::npos) missing.push_back(name);
    if (!missing.empty())
      throw std::runtime_error("checkpoint lacks " + std::to_string(missing.size()) + " tensors, e.g. '" + missing[0] +
                               "'");
  }
  torch::NoGradGuard g;
  for (auto& [dst, src] : copies) dst.copy_(src.to(dst.device(), dst.scalar_type()));
  return unused;
}

}  // namespace casm
