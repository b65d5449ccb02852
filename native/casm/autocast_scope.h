// RAII bf16 autocast on CUDA: on while a step or inference runs, restored afterwards, so an
// exception can never leave autocast enabled for the next call.
#pragma once

#include "../compat.h"

namespace casm {

class AutocastScope {
 public:
  AutocastScope(bool enabled, const torch::Device& device)
      : active_(enabled && device.is_cuda()), previous_(compat::autocast_enabled(c10::DeviceType::CUDA)) {
    if (active_) compat::set_autocast(true, c10::DeviceType::CUDA, at::kBFloat16);
  }
  ~AutocastScope() {
    if (active_) {
      compat::set_autocast(previous_, c10::DeviceType::CUDA, at::kBFloat16);
      compat::clear_autocast_cache();
    }
  }
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_;
  bool previous_;
};

}  // namespace casm
