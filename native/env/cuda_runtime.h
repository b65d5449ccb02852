// CUDA-only services behind a build flag (CASM_WITH_CUDA, set by CMake when LibTorch has CUDA
// libraries): cuDNN autotuning and the caching allocator's memory statistics. In CPU builds the
// statistics are simply unavailable.
#pragma once

#include <cstdint>
#include <optional>

namespace casm::env {

struct CudaMemory {
  int64_t allocated = 0;  // bytes held by tensors now
  int64_t peak = 0;       // most bytes held by tensors since the last reset
  int64_t reserved = 0;   // bytes the caching allocator holds from the driver
};

void enable_cudnn_benchmark();

// The CUDA runtime version LibTorch was built with (e.g. 13000), 0 in CPU builds. Known without a
// GPU, so a CUDA build names its flavour on a CPU-only machine too.
long cuda_build_version();
std::optional<CudaMemory> cuda_memory(int device);
void reset_cuda_peak(int device);

}  // namespace casm::env
