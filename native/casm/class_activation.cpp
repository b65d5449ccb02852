#include "class_activation.h"

#include <stdexcept>
#include <string>

namespace casm {

namespace F = torch::nn::functional;

// Per-image min-max to [0,1]; an image whose map is constant (or not finite) gets zeros.
static torch::Tensor normalise_per_image(const torch::Tensor& maps) {
  auto flat = maps.flatten(1);
  auto lo = std::get<0>(flat.min(1, /*keepdim=*/true));
  auto hi = std::get<0>(flat.max(1, /*keepdim=*/true));
  auto range = hi - lo;
  auto usable = (range > 0) & range.isfinite();
  auto out =
      torch::where(usable, (flat - lo) / torch::where(usable, range, torch::ones_like(range)), torch::zeros_like(flat));
  return out.view_as(maps);
}

ActivationMapOutput class_activation_maps(Model& model, const torch::Tensor& x, const torch::Tensor& classes,
                                          ActivationMapMethod method, int tap) {
  if (tap < 1 || tap > 4) throw std::invalid_argument("layer must be one of l1, l2, l3, l4");
  if (method == ActivationMapMethod::Cam && tap != 4)
    throw std::invalid_argument("CAM is defined at the last stage only (layer l4, where the fc weights apply)");
  const int64_t n = x.size(0);
  if (classes.dim() != 1 || classes.size(0) != n) throw std::invalid_argument("classes must have one entry per image");
  const int64_t k = model.classifier()->config().num_classes;
  if (n > 0 && (classes.min().item<int64_t>() < 0 || classes.max().item<int64_t>() >= k))
    throw std::invalid_argument("classes must be in 0.." + std::to_string(k - 1));
  // Running BN statistics, as every other inference path; the trainer's mode comes back after.
  EvalModeScope eval(*model.classifier());
  auto target = classes.to(model.device()).view({-1, 1});
  torch::Tensor raw, logits;
  if (method == ActivationMapMethod::Cam) {
    torch::NoGradGuard no_grad;
    auto [out, taps] = model.classifier()->forward(x);
    auto weights = model.classifier()->fc_weight().index_select(0, target.view({-1}));  // [N,C]
    raw = (weights.unsqueeze(-1).unsqueeze(-1) * taps[4]).sum(1);
    logits = out;
  } else {
    // Gradients of the logits with respect to one tap only: no parameter gradient is kept, and
    // the images are independent in eval mode, so the sum over the batch gives each its own.
    torch::AutoGradMode grad_mode(true);
    auto [out, taps] = model.classifier()->forward(x);
    auto activations = taps[tap];
    auto score = out.gather(1, target).sum();
    auto grads = torch::autograd::grad({score}, {activations})[0];
    auto alpha = grads.mean({2, 3}, /*keepdim=*/true);
    raw = (alpha * activations).sum(1).relu().detach();
    logits = out.detach();
  }
  auto up = F::interpolate(raw.unsqueeze(1), F::InterpolateFuncOptions()
                                                 .size(std::vector<int64_t>{x.size(2), x.size(3)})
                                                 .mode(torch::kBilinear)
                                                 .align_corners(false))
                .squeeze(1);
  return {normalise_per_image(up.to(torch::kFloat32)).to(torch::kCPU).contiguous(),
          logits.to(torch::kCPU, torch::kFloat32).contiguous()};
}

}  // namespace casm
