#include "decoder.h"

namespace casm {

namespace nn = torch::nn;
namespace F = torch::nn::functional;

static nn::Sequential conv1x1_bn_relu(int64_t in) {
  nn::Sequential s;
  s->push_back(nn::Conv2d(nn::Conv2dOptions(in, 64, 1).bias(false)));
  s->push_back(nn::BatchNorm2d(64));
  s->push_back(nn::ReLU(nn::ReLUOptions().inplace(true)));  // on the BN output, as in resnet.cpp
  return s;
}

DecoderImpl::DecoderImpl(const std::array<int64_t, 4>& c, bool bilinear_final) : bilinear_final_(bilinear_final) {
  conv1x1_1 = register_module("conv1x1_1", conv1x1_bn_relu(c[0]));
  conv1x1_2 = register_module("conv1x1_2", conv1x1_bn_relu(c[1]));
  conv1x1_3 = register_module("conv1x1_3", conv1x1_bn_relu(c[2]));
  conv1x1_4 = register_module("conv1x1_4", conv1x1_bn_relu(c[3]));
  final =
      register_module("final", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(64 + 4 * 64, 1, 3).padding(1).bias(true))));
  init_conv_bn(*this);
}

// nn.Upsample(scale_factor=s) semantics: the scale factor itself drives the coordinate mapping.
static torch::Tensor upsample(const torch::Tensor& x, double s, bool bilinear) {
  auto opts = F::InterpolateFuncOptions().scale_factor(std::vector<double>{s, s});
  if (bilinear)
    opts = opts.mode(torch::kBilinear).align_corners(false);
  else
    opts = opts.mode(torch::kNearest);
  return F::interpolate(x, opts);
}

torch::Tensor DecoderImpl::forward(const Taps& t) {
  auto k = torch::cat({t[0], conv1x1_1->forward(t[1]), upsample(conv1x1_2->forward(t[2]), 2, true),
                       upsample(conv1x1_3->forward(t[3]), 4, true), upsample(conv1x1_4->forward(t[4]), 8, true)},
                      1);
  auto m = torch::sigmoid(final->forward(k));
  return upsample(m, 4, bilinear_final_);
}

}  // namespace casm
