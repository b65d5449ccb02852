// The CASM mask decoder with the authors' parameter names (conv1x1_{1..4}.{0,1}, final.0), so
// their checkpoints and our conformance vectors load as they are.
#pragma once

#include "resnet.h"

namespace casm {

class DecoderImpl : public torch::nn::Module {
 public:
  // tap_channels: widths of l1..l4 (ResNet-18/34: 64..512; ResNet-50+: 256..2048).
  DecoderImpl(const std::array<int64_t, 4>& tap_channels, bool bilinear_final);

  // Mask in [0,1], shape [B,1,H,W] with H,W = 4 × the l0 grid (the input size).
  torch::Tensor forward(const Taps& taps);

 private:
  torch::nn::Sequential conv1x1_1{nullptr}, conv1x1_2{nullptr}, conv1x1_3{nullptr}, conv1x1_4{nullptr};
  torch::nn::Sequential final{nullptr};
  bool bilinear_final_;
};
TORCH_MODULE(Decoder);

}  // namespace casm
