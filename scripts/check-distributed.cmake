# Data-parallel training (native/distributed/process_group.cpp) needs LibTorch's c10d with Gloo, and
# ProcessGroupGloo.hpp needs Gloo's own headers, which PyTorch wheels do not ship (Debian/Ubuntu:
# libgloo-dev). This check compiles and links a use of both; without them the addon still builds
# and `doctor` reports distributed training as unavailable. NCCL is checked on CUDA builds only.
# Only process_group.cpp gets the definitions, so the precompiled header stays shared.
include(CheckCXXSourceCompiles)
include(CMakePushCheckState)

# The check links library files, not LibTorch's imported targets: a try_compile project does not
# see the targets TorchConfig's own find_package calls made (a pip wheel's torch_cpu_library names
# protobuf::libprotobuf, which only exists in this project). libtorch_cpu (where c10d lives) is
# named by path: the targets pass it as a linker flag, which the closure leaves out.
_casm_link_files(_casm_torch_files ${TORCH_LIBRARIES})
file(GLOB _casm_torch_cpu "${CASM_TORCH_LIB_DIR}/libtorch_cpu.so")
list(PREPEND _casm_torch_files ${_casm_torch_cpu})
cmake_push_check_state(RESET)
set(CMAKE_REQUIRED_INCLUDES ${TORCH_INCLUDE_DIRS})
set(CMAKE_REQUIRED_LIBRARIES ${_casm_torch_files})
set(CMAKE_REQUIRED_FLAGS "${TORCH_CXX_FLAGS}")
set(CMAKE_REQUIRED_QUIET ON)
set(CMAKE_REQUIRED_DEFINITIONS -DUSE_C10D_GLOO)
check_cxx_source_compiles("
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
int main() {
  c10d::TCPStoreOptions store_options;
  auto options = c10d::ProcessGroupGloo::Options::create();
  options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(\"127.0.0.1\"));
  return store_options.isServer ? 1 : 0;
}" CASM_HAVE_C10D_GLOO)
if(CASM_HAVE_C10D_GLOO AND CASM_TORCH_CUDA)
  set(CMAKE_REQUIRED_LIBRARIES ${_casm_torch_files} ${CASM_C10_CUDA_LIBRARY})
  set(CMAKE_REQUIRED_DEFINITIONS -DUSE_C10D_GLOO -DUSE_C10D_NCCL)
  check_cxx_source_compiles("
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
int main() { auto options = c10d::ProcessGroupNCCL::Options::create(); return options ? 0 : 1; }" CASM_HAVE_C10D_NCCL)
endif()
cmake_pop_check_state()

set(_casm_dist_definitions "")
if(CASM_HAVE_C10D_GLOO)
  list(APPEND _casm_dist_definitions CASM_WITH_DISTRIBUTED=1)
  if(CASM_HAVE_C10D_NCCL)
    list(APPEND _casm_dist_definitions CASM_WITH_NCCL=1)
    message(STATUS "casm-native: distributed training with Gloo (CPU) and NCCL (CUDA)")
  else()
    message(STATUS "casm-native: distributed training with Gloo (CPU)")
  endif()
else()
  message(STATUS "casm-native: no distributed training (LibTorch's c10d with Gloo or Gloo's headers not found; Debian/Ubuntu: apt install libgloo-dev)")
endif()
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/native/distributed/process_group.cpp PROPERTIES COMPILE_DEFINITIONS "${_casm_dist_definitions}")
