#include "infer.h"

#include "autocast_scope.h"

namespace casm {

SaliencyOutput saliency(Model& model, const torch::Tensor& x, bool amp) {
  torch::NoGradGuard no_grad;
  AutocastScope autocast(amp, model.device());
  // Training leaves modules in train mode; inference must not touch BN running statistics.
  EvalModeScope clf(*model.classifier()), enc(*model.encoder()), dec(*model.decoder());
  auto [logits, taps] = model.classifier()->forward(x);
  if (model.separate_encoder()) taps = model.encoder()->features(x);
  auto mask = model.decoder()->forward(taps);
  return {mask.squeeze(1).to(torch::kCPU, torch::kFloat32).contiguous(),
          logits.to(torch::kCPU, torch::kFloat32).contiguous()};
}

}  // namespace casm
