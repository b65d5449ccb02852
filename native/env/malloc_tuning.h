// glibc malloc settings for LibTorch's CPU tensors (see malloc_tuning.cpp for why).
#pragma once

namespace casm::env {

// Applies the settings once per process unless the user configured malloc through the
// environment (GLIBC_TUNABLES with malloc entries, MALLOC_*_ variables) or opted out with
// CASM_NATIVE_MALLOC=system. Returns whether it changed anything.
bool tune_malloc_for_tensors();

}  // namespace casm::env
