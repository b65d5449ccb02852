#include "input.h"

#include <stdexcept>
#include <string>

namespace casm {

void check_spatial_size(int64_t h, int64_t w) {
  if (h < 32 || w < 32 || h % 32 != 0 || w % 32 != 0)
    throw std::invalid_argument("image height and width must be multiples of 32 (at least 32), got " +
                                std::to_string(h) + "x" + std::to_string(w));
}

torch::Tensor normalize_uint8_nhwc(const torch::Tensor& pixels, const torch::Device& device) {
  if (pixels.dim() != 4 || pixels.size(3) != 3)
    throw std::invalid_argument("uint8 batches must be NHWC with 3 channels");
  check_spatial_size(pixels.size(1), pixels.size(2));
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  auto mean = torch::tensor({0.485f, 0.456f, 0.406f}, opts).view({1, 3, 1, 1});
  auto std = torch::tensor({0.229f, 0.224f, 0.225f}, opts).view({1, 3, 1, 1});
  auto x = pixels.to(device, /*non_blocking=*/true).permute({0, 3, 1, 2}).to(torch::kFloat32).div_(255.0);
  // Channels-last is the NHWC layout the bytes arrived in: free on CUDA, where cuDNN prefers it.
  x = device.is_cuda() ? x.contiguous(at::MemoryFormat::ChannelsLast) : x.contiguous();
  return x.sub_(mean).div_(std);
}

torch::Tensor prepare_float_nchw(const torch::Tensor& x, const torch::Device& device) {
  if (x.dim() != 4 || x.size(1) != 3) throw std::invalid_argument("float32 batches must be NCHW with 3 channels");
  check_spatial_size(x.size(2), x.size(3));
  if (!torch::isfinite(x).all().item<bool>()) throw std::invalid_argument("input batch contains NaN or Inf");
  auto y = x.to(device, torch::kFloat32);
  return device.is_cuda() ? y.contiguous(at::MemoryFormat::ChannelsLast) : y.contiguous();
}

}  // namespace casm
