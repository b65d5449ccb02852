// What the doctor command reports about LibTorch and the devices it sees.
#pragma once

#include <string>
#include <vector>

namespace casm::env {

struct Environment {
  std::string torch_version;
  bool cuda_available = false;
  int cuda_devices = 0;
  std::string cuda_version;   // empty when the build has no CUDA
  std::string cudnn_version;  // empty when unavailable
  int threads = 0;
  bool mkldnn = false;
  int cxx11_abi = 0;
  std::vector<std::string> distributed_backends;  // "gloo", "nccl"; empty without c10d support
};

Environment describe();
void set_threads(int n);

}  // namespace casm::env
