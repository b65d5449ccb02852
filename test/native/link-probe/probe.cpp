// Uses c10 (a symbol from libc10) and the header that enforces LibTorch's C++ standard, nothing
// that takes long to compile.
#include <c10/core/Device.h>
#include <torch/version.h>

#include <string>

extern "C" const char* casm_link_probe() {
  static const std::string text = c10::Device(c10::kCPU).str() + " " + TORCH_VERSION;
  return text.c_str();
}
