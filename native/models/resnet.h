// ResNet with torchvision's layout and parameter names (conv1, bn1, layer1.0.conv1, …,
// layer1.0.downsample.0, fc), returning the feature taps the CASM decoder reads.
#pragma once

#include "../compat.h"

#include <array>
#include <string>
#include <vector>

namespace casm {

// Made by resnet_config, which sets every field.
struct ResNetConfig {
  std::string block;  // "basic" (ResNet-18/34) or "bottleneck" (ResNet-50+)
  std::vector<int64_t> layers;
  int64_t num_classes;

  int64_t expansion() const { return block == "basic" ? 1 : 4; }
  // Channels of the taps l1..l4 (l0 is always 64).
  std::array<int64_t, 4> tap_channels() const;
};

// Standard architectures by torchvision name; "custom" keeps the given block and layers.
ResNetConfig resnet_config(const std::string& arch, const std::string& block, const std::vector<int64_t>& layers,
                           int64_t num_classes);

// l0 = after the stem max-pool (stride 4), l1..l4 = outputs of layer1..layer4 (strides 4..32).
using Taps = std::array<torch::Tensor, 5>;

class BasicBlockImpl : public torch::nn::Module {
 public:
  BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride, bool downsample);
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr};
  torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(BasicBlock);

class BottleneckImpl : public torch::nn::Module {
 public:
  BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride, bool downsample);
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

class ResNetImpl : public torch::nn::Module {
 public:
  explicit ResNetImpl(const ResNetConfig& config);

  Taps features(const torch::Tensor& x);
  torch::Tensor head(const torch::Tensor& l4);
  // Logits and taps in one pass.
  std::pair<torch::Tensor, Taps> forward(const torch::Tensor& x);

  const ResNetConfig& config() const { return config_; }
  // The fc weights [classes, channels of l4]: CAM weighs the l4 channels with them.
  const torch::Tensor& fc_weight() const { return fc->weight; }

 private:
  torch::nn::Sequential make_layer(int64_t& inplanes, int64_t planes, int64_t blocks, int64_t stride);

  ResNetConfig config_;
  torch::nn::Conv2d conv1{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::Sequential layer1{nullptr}, layer2{nullptr}, layer3{nullptr}, layer4{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(ResNet);

// The authors' init: conv weights N(0, sqrt(2 / (k·k·out))), BN γ=1 β=0. Applies to any module tree.
void init_conv_bn(torch::nn::Module& module);

}  // namespace casm
