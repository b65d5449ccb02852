// Turning host batches into normalised device tensors. uint8 NHWC pixels travel as bytes (4× less
// than float) and are normalised on the device; float32 NCHW input is taken as already normalised.
#pragma once

#include "../compat.h"

namespace casm {

// ImageNet mean/std, as the authors' transforms.Normalize.
torch::Tensor normalize_uint8_nhwc(const torch::Tensor& pixels, const torch::Device& device);

// Validates shape (N,3,H,W with H,W multiples of 32), finiteness, and moves to the device.
torch::Tensor prepare_float_nchw(const torch::Tensor& x, const torch::Device& device);

// Shape rule shared by both paths: the decoder's ×2/×4/×8 upsampling needs H,W divisible by 32.
void check_spatial_size(int64_t h, int64_t w);

}  // namespace casm
