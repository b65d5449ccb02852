#include "resnet.h"

#include <cmath>
#include <stdexcept>

namespace casm {

namespace nn = torch::nn;

std::array<int64_t, 4> ResNetConfig::tap_channels() const {
  const int64_t e = expansion();
  return {64 * e, 128 * e, 256 * e, 512 * e};
}

ResNetConfig resnet_config(const std::string& arch, const std::string& block, const std::vector<int64_t>& layers,
                           int64_t num_classes) {
  ResNetConfig c{};
  c.num_classes = num_classes;
  if (arch == "resnet10") {
    // Not a torchvision model: one basic block per stage, for small data and CPU budgets.
    c.block = "basic", c.layers = {1, 1, 1, 1};
  } else if (arch == "resnet18") {
    c.block = "basic", c.layers = {2, 2, 2, 2};
  } else if (arch == "resnet34") {
    c.block = "basic", c.layers = {3, 4, 6, 3};
  } else if (arch == "resnet50") {
    c.block = "bottleneck", c.layers = {3, 4, 6, 3};
  } else if (arch == "resnet101") {
    c.block = "bottleneck", c.layers = {3, 4, 23, 3};
  } else if (arch == "resnet152") {
    c.block = "bottleneck", c.layers = {3, 8, 36, 3};
  } else if (arch == "custom") {
    if (block != "basic" && block != "bottleneck") throw std::invalid_argument("block must be 'basic' or 'bottleneck'");
    if (layers.size() != 4) throw std::invalid_argument("layers must have 4 entries");
    for (auto n : layers)
      if (n < 1 || n > 64) throw std::invalid_argument("each entry of layers must be in 1..64");
    c.block = block, c.layers = layers;
  } else {
    throw std::invalid_argument("unknown arch '" + arch +
                                "' (resnet10|resnet18|resnet34|resnet50|resnet101|resnet152|custom)");
  }
  if (num_classes < 1 || num_classes > 1000000) throw std::invalid_argument("numClasses must be in 1..1000000");
  return c;
}

static nn::Conv2d conv(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, k).stride(stride).padding(pad).bias(false));
}

static nn::Sequential make_downsample(int64_t in, int64_t out, int64_t stride) {
  nn::Sequential s;
  s->push_back(conv(in, out, 1, stride, 0));
  s->push_back(nn::BatchNorm2d(out));
  return s;
}

BasicBlockImpl::BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride, bool ds) {
  conv1 = register_module("conv1", conv(inplanes, planes, 3, stride, 1));
  bn1 = register_module("bn1", nn::BatchNorm2d(planes));
  conv2 = register_module("conv2", conv(planes, planes, 3, 1, 1));
  bn2 = register_module("bn2", nn::BatchNorm2d(planes));
  if (ds) downsample = register_module("downsample", make_downsample(inplanes, planes, stride));
}

// In place on batch-norm outputs (BN's backward needs its input, not its output; the sum's and
// ReLU's backward need no input), as torchvision's ReLU(inplace=True): the same numbers with fewer
// activation buffers to allocate and stream through per block.
torch::Tensor BasicBlockImpl::forward(torch::Tensor x) {
  auto out = bn1(conv1(x)).relu_();
  out = bn2(conv2(out));
  out.add_(downsample ? downsample->forward(x) : x);
  return out.relu_();
}

// Stride on the 3×3 conv, as torchvision (ResNet v1.5) and the authors' archs.py.
BottleneckImpl::BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride, bool ds) {
  conv1 = register_module("conv1", conv(inplanes, planes, 1, 1, 0));
  bn1 = register_module("bn1", nn::BatchNorm2d(planes));
  conv2 = register_module("conv2", conv(planes, planes, 3, stride, 1));
  bn2 = register_module("bn2", nn::BatchNorm2d(planes));
  conv3 = register_module("conv3", conv(planes, planes * 4, 1, 1, 0));
  bn3 = register_module("bn3", nn::BatchNorm2d(planes * 4));
  if (ds) downsample = register_module("downsample", make_downsample(inplanes, planes * 4, stride));
}

torch::Tensor BottleneckImpl::forward(torch::Tensor x) {
  auto out = bn1(conv1(x)).relu_();
  out = bn2(conv2(out)).relu_();
  out = bn3(conv3(out));
  out.add_(downsample ? downsample->forward(x) : x);
  return out.relu_();
}

ResNetImpl::ResNetImpl(const ResNetConfig& config) : config_(config) {
  conv1 = register_module("conv1", conv(3, 64, 7, 2, 3));
  bn1 = register_module("bn1", nn::BatchNorm2d(64));
  int64_t inplanes = 64;
  layer1 = register_module("layer1", make_layer(inplanes, 64, config.layers[0], 1));
  layer2 = register_module("layer2", make_layer(inplanes, 128, config.layers[1], 2));
  layer3 = register_module("layer3", make_layer(inplanes, 256, config.layers[2], 2));
  layer4 = register_module("layer4", make_layer(inplanes, 512, config.layers[3], 2));
  fc = register_module("fc", nn::Linear(512 * config.expansion(), config.num_classes));
  init_conv_bn(*this);
}

nn::Sequential ResNetImpl::make_layer(int64_t& inplanes, int64_t planes, int64_t blocks, int64_t stride) {
  const int64_t e = config_.expansion();
  nn::Sequential seq;
  for (int64_t i = 0; i < blocks; ++i) {
    const int64_t s = i == 0 ? stride : 1;
    const bool ds = i == 0 && (stride != 1 || inplanes != planes * e);
    if (e == 1)
      seq->push_back(BasicBlock(inplanes, planes, s, ds));
    else
      seq->push_back(Bottleneck(inplanes, planes, s, ds));
    inplanes = planes * e;
  }
  return seq;
}

Taps ResNetImpl::features(const torch::Tensor& x) {
  Taps t;
  auto h = bn1(conv1(x)).relu_();
  t[0] = torch::max_pool2d(h, 3, 2, 1);
  t[1] = layer1->forward(t[0]);
  t[2] = layer2->forward(t[1]);
  t[3] = layer3->forward(t[2]);
  t[4] = layer4->forward(t[3]);
  return t;
}

// Adaptive global average: identical to the authors' 7×7 average at 224 px, and works at any size.
torch::Tensor ResNetImpl::head(const torch::Tensor& l4) { return fc(l4.mean({2, 3})); }

std::pair<torch::Tensor, Taps> ResNetImpl::forward(const torch::Tensor& x) {
  auto taps = features(x);
  auto logits = head(taps[4]);
  return {logits, taps};
}

void init_conv_bn(nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& m : module.modules(/*include_self=*/false)) {
    if (auto* c = m->as<nn::Conv2d>()) {
      const auto& k = c->options.kernel_size();
      const double n = static_cast<double>((*k)[0] * (*k)[1] * c->options.out_channels());
      c->weight.normal_(0.0, std::sqrt(2.0 / n));
    } else if (auto* b = m->as<nn::BatchNorm2d>()) {
      b->weight.fill_(1.0);
      b->bias.zero_();
    }
  }
}

}  // namespace casm
