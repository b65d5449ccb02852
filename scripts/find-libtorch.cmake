# LibTorch discovery, in the order of docs/architecture.md:
#   1. LIBTORCH env: a libtorch folder or a PyTorch package folder (site-packages/torch)
#   2. Torch_DIR / CMAKE_PREFIX_PATH (CMake's own search)
#   3. python3 -c "import torch; print(torch.utils.cmake_prefix_path)"
#   4. the system (Debian/Ubuntu libtorch-dev)
# Sets CASM_TORCH_SOURCE (printed) and CASM_TORCH_LIB_DIR (for the RPATH).

set(CASM_TORCH_SOURCE "")
if(DEFINED ENV{LIBTORCH} AND NOT "$ENV{LIBTORCH}" STREQUAL "")
  set(_casm_root "$ENV{LIBTORCH}")
  foreach(_dir "${_casm_root}/share/cmake/Torch" "${_casm_root}/torch/share/cmake/Torch")
    if(EXISTS "${_dir}/TorchConfig.cmake")
      set(Torch_DIR "${_dir}" CACHE PATH "" FORCE)
      set(CASM_TORCH_SOURCE "LIBTORCH env (${_casm_root})")
      break()
    endif()
  endforeach()
  if(CASM_TORCH_SOURCE STREQUAL "")
    message(FATAL_ERROR "LIBTORCH=${_casm_root} holds no share/cmake/Torch/TorchConfig.cmake: point it at a libtorch folder or a PyTorch package folder (…/site-packages/torch)")
  endif()
elseif(Torch_DIR OR DEFINED ENV{Torch_DIR} OR CMAKE_PREFIX_PATH OR DEFINED ENV{CMAKE_PREFIX_PATH})
  set(CASM_TORCH_SOURCE "Torch_DIR/CMAKE_PREFIX_PATH")
else()
  execute_process(COMMAND python3 -c "import torch; print(torch.utils.cmake_prefix_path)"
    OUTPUT_VARIABLE _casm_py_prefix OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _casm_py_rc)
  if(_casm_py_rc EQUAL 0 AND EXISTS "${_casm_py_prefix}/Torch/TorchConfig.cmake")
    list(APPEND CMAKE_PREFIX_PATH "${_casm_py_prefix}")
    set(CASM_TORCH_SOURCE "PyTorch of python3 (${_casm_py_prefix})")
  else()
    set(CASM_TORCH_SOURCE "system")
  endif()
endif()

find_package(Torch REQUIRED)

# The folder holding libtorch.so / libc10.so, for the RPATH.
find_library(_casm_c10 NAMES c10 HINTS "${TORCH_INSTALL_PREFIX}/lib" NO_CACHE)
if(_casm_c10)
  get_filename_component(CASM_TORCH_LIB_DIR "${_casm_c10}" DIRECTORY)
else()
  set(CASM_TORCH_LIB_DIR "${TORCH_INSTALL_PREFIX}/lib")
endif()
message(STATUS "casm-native: LibTorch ${Torch_VERSION} from ${CASM_TORCH_SOURCE}; libraries in ${CASM_TORCH_LIB_DIR}")
