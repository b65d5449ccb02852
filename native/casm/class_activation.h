// The class-dependent baselines of the paper's Table 1, computed from the run's own classifier:
// CAM (Zhou et al. 2016) and Grad-CAM (Selvaraju et al. 2017) for a given class per image.
#pragma once

#include "model.h"

namespace casm {

enum class ActivationMapMethod { Cam, GradCam };

struct ActivationMapOutput {
  torch::Tensor maps;    // [N,H,W] float32 on CPU, each map in [0,1] (see class_activation_maps)
  torch::Tensor logits;  // [N,K] float32 on CPU, of the clean images
};

// x: normalised NCHW batch on the model's device; classes: [N] int64 (the class each map explains);
// tap: 1..4, the stage output the map is read at (CAM: 4 only, where the fc weights apply).
// CAM = Σ_k w_{c,k} A_k (no bias: a constant the normalisation removes); Grad-CAM = ReLU(Σ_k α_k A_k)
// with α_k the spatial mean of ∂y_c/∂A_k (y_c the class logit). Each map is then upsampled
// bilinearly (half-pixel centres) to the input size and min-max normalised per image to [0,1];
// a constant map becomes all zeros (it localises nothing), as wsolevaluation's normalize_scoremap.
ActivationMapOutput class_activation_maps(Model& model, const torch::Tensor& x, const torch::Tensor& classes,
                                          ActivationMapMethod method, int tap);

}  // namespace casm
