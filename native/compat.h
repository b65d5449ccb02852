// The one place where LibTorch version differences live (Debian's 1.13 on CPU, 2.x with CUDA on
// the GPU machine). Everything else includes this header instead of guarding on versions itself.
#pragma once

#include <ATen/autocast_mode.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <string>

#define CASM_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace casm::compat {

// Autocast moved from per-backend setters (1.x) to device-type arguments (2.4+).
inline void set_autocast(bool enabled, c10::DeviceType device, at::ScalarType dtype) {
#if CASM_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_enabled(device, enabled);
  at::autocast::set_autocast_dtype(device, dtype);
#else
  if (device == c10::DeviceType::CUDA) {
    at::autocast::set_enabled(enabled);
    at::autocast::set_autocast_gpu_dtype(dtype);
  } else {
    at::autocast::set_cpu_enabled(enabled);
    at::autocast::set_autocast_cpu_dtype(dtype);
  }
#endif
}

inline bool autocast_enabled(c10::DeviceType device) {
#if CASM_TORCH_AT_LEAST(2, 4)
  return at::autocast::is_autocast_enabled(device);
#else
  return device == c10::DeviceType::CUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

inline void clear_autocast_cache() { at::autocast::clear_cache(); }

inline std::string torch_version() { return TORCH_VERSION; }

}  // namespace casm::compat
