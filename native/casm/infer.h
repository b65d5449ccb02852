// Batched saliency inference: masks at input size and the classifier's logits, everything in eval mode.
#pragma once

#include "model.h"

namespace casm {

struct SaliencyOutput {
  torch::Tensor masks;   // [N,H,W] float32 on CPU
  torch::Tensor logits;  // [N,K] float32 on CPU
};

// x: normalised NCHW batch already on the model's device.
SaliencyOutput saliency(Model& model, const torch::Tensor& x, bool amp);

}  // namespace casm
