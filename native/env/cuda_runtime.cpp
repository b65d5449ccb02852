#include "cuda_runtime.h"

#include "../compat.h"

#ifdef CASM_WITH_CUDA
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <cuda_runtime_api.h>
#endif

namespace casm::env {

void enable_cudnn_benchmark() { at::globalContext().setBenchmarkCuDNN(true); }

long cuda_build_version() {
#ifdef CASM_WITH_CUDA
  // LibTorch's own answer; its CUDA hooks exist once libtorch_cuda is loaded, GPU or not. The
  // headers we were compiled with (those beside LibTorch, see find-libtorch.cmake) are the fallback.
  try {
    return at::detail::getCUDAHooks().versionCUDART();
  } catch (const c10::Error&) {
    return CUDART_VERSION;
  }
#else
  return 0;
#endif
}

std::optional<CudaMemory> cuda_memory(int device) {
#ifdef CASM_WITH_CUDA
  if (!torch::cuda::is_available()) return std::nullopt;
  // Index 0 of each statistic is the aggregate over pool types, in every LibTorch version.
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device);
  CudaMemory m;
  m.allocated = stats.allocated_bytes[0].current;
  m.peak = stats.allocated_bytes[0].peak;
  m.reserved = stats.reserved_bytes[0].current;
  return m;
#else
  (void)device;
  return std::nullopt;
#endif
}

void reset_cuda_peak(int device) {
#ifdef CASM_WITH_CUDA
  if (torch::cuda::is_available()) c10::cuda::CUDACachingAllocator::resetPeakStats(device);
#else
  (void)device;
#endif
}

}  // namespace casm::env
