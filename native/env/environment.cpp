#include "environment.h"

#include "../compat.h"
#include "../distributed/process_group.h"
#include "cuda_runtime.h"

#include <ATen/detail/CUDAHooksInterface.h>

namespace casm::env {

static std::string version_string(long v) {
  // cuDNN and CUDA encode versions as major*1000 + minor*10 (+ patch) or similar; show the raw
  // number beside the decoded major.minor so nothing is lost.
  if (v <= 0) return "";
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10) + " (" + std::to_string(v) + ")";
}

Environment describe() {
  Environment e;
  e.torch_version = compat::torch_version();
  e.cuda_available = torch::cuda::is_available();
  e.cuda_devices = static_cast<int>(torch::cuda::device_count());
  e.cuda_version = version_string(cuda_build_version());
  const auto& hooks = at::detail::getCUDAHooks();
  if (hooks.hasCUDA() && hooks.hasCuDNN()) e.cudnn_version = version_string(hooks.versionCuDNN());
  e.threads = at::get_num_threads();
  e.mkldnn = at::hasMKLDNN();
  e.cxx11_abi = _GLIBCXX_USE_CXX11_ABI;
  e.distributed_backends = dist::backends();
  return e;
}

void set_threads(int n) {
  if (n > 0) at::set_num_threads(n);
}

}  // namespace casm::env
