# LibTorch discovery, in the order of docs/architecture.md and src/native/libtorch-detect.ts:
#   1. LIBTORCH env: a libtorch folder or a PyTorch package folder (site-packages/torch, or
#      site-packages itself)
#   2. Torch_DIR (CMake or env variable) / CMAKE_PREFIX_PATH (CMake or env variable)
#   3. python3 -c "import torch; print(torch.utils.cmake_prefix_path)"
#   4. the system (Debian/Ubuntu libtorch-dev: /usr/lib/<multiarch>/cmake/Torch)
#
# The one LibTorch chosen supplies every header and library. That needs care because TorchConfig
# is not self-contained: it calls find_package(Caffe2) and find_library(c10 ...) with the default
# search paths *before* its own folder, so with Debian's libtorch-dev installed a pip torch
# picks up Debian's Caffe2Config (and with it libtorch.so.1.13, glog, gflags, protobuf) and
# Debian's libc10.so.1.13. Hence: every config folder is pinned, folders of other LibTorch
# installs are hidden from find_*(), cache entries of a previously chosen LibTorch are dropped, and
# after find_package every library that would be linked is checked (casm_check_libtorch_closure).
#
# Sets: CASM_TORCH_SOURCE (printed), CASM_TORCH_CONFIG_DIR, CASM_TORCH_LIB_DIR (for the RPATH),
# CASM_CXX_STANDARD (the standard LibTorch asks for, at least 17), CASM_TORCH_CUDA (ON for a CUDA
# build), CASM_CUDA_INCLUDE_DIRS; and the imported LibTorch targets via find_package(Torch).

# --- 1. choose the TorchConfig.cmake folder -------------------------------------------------------

# The folder holding libc10 for a given TorchConfig folder: <prefix>/lib for libtorch zips and
# PyTorch packages (config in <prefix>/share/cmake/Torch), two levels up for Debian
# (config in /usr/lib/<multiarch>/cmake/Torch).
function(_casm_lib_dir_of_config config_dir out_var)
  set(_found "")
  foreach(_candidate "${config_dir}/../../../lib" "${config_dir}/../..")
    get_filename_component(_candidate "${_candidate}" REALPATH)
    file(GLOB _c10 "${_candidate}/libc10.so*")
    if(_c10)
      set(_found "${_candidate}")
      break()
    endif()
  endforeach()
  set(${out_var} "${_found}" PARENT_SCOPE)
endfunction()

# The first folder among `candidates` holding TorchConfig.cmake, or "".
function(_casm_first_config out_var)
  set(_found "")
  foreach(_dir ${ARGN})
    if(EXISTS "${_dir}/TorchConfig.cmake")
      get_filename_component(_found "${_dir}" REALPATH)
      break()
    endif()
  endforeach()
  set(${out_var} "${_found}" PARENT_SCOPE)
endfunction()

if(NOT CMAKE_LIBRARY_ARCHITECTURE)
  set(CMAKE_LIBRARY_ARCHITECTURE "x86_64-linux-gnu")
endif()
set(_casm_system_lib_dirs
  "/usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}" "/usr/lib64" "/usr/lib" "/usr/local/lib")

set(CASM_TORCH_SOURCE "")
set(CASM_TORCH_CONFIG_DIR "")
if(DEFINED ENV{LIBTORCH} AND NOT "$ENV{LIBTORCH}" STREQUAL "")
  set(_casm_root "$ENV{LIBTORCH}")
  _casm_first_config(CASM_TORCH_CONFIG_DIR "${_casm_root}/share/cmake/Torch" "${_casm_root}/torch/share/cmake/Torch")
  if(NOT CASM_TORCH_CONFIG_DIR)
    message(FATAL_ERROR "LIBTORCH=${_casm_root} holds no share/cmake/Torch/TorchConfig.cmake: point it at a libtorch folder or a PyTorch package folder (…/site-packages/torch)")
  endif()
  set(CASM_TORCH_SOURCE "LIBTORCH env (${_casm_root})")
else()
  # Torch_DIR / CMAKE_PREFIX_PATH, as CMake variables or environment variables. A cached Torch_DIR
  # that is only what the last configure chose does not count: the choice is made afresh each time.
  set(_casm_torch_dir "${Torch_DIR}")
  if(DEFINED CASM_TORCH_CONFIG_DIR_USED AND _casm_torch_dir STREQUAL CASM_TORCH_CONFIG_DIR_USED)
    set(_casm_torch_dir "")
  endif()
  if(NOT _casm_torch_dir OR NOT EXISTS "${_casm_torch_dir}/TorchConfig.cmake")
    set(_casm_torch_dir "$ENV{Torch_DIR}")
  endif()
  if(_casm_torch_dir AND EXISTS "${_casm_torch_dir}/TorchConfig.cmake")
    _casm_first_config(CASM_TORCH_CONFIG_DIR "${_casm_torch_dir}")
    set(CASM_TORCH_SOURCE "Torch_DIR (${_casm_torch_dir})")
  else()
    string(REPLACE ":" ";" _casm_env_prefixes "$ENV{CMAKE_PREFIX_PATH}")
    foreach(_prefix ${CMAKE_PREFIX_PATH} ${_casm_env_prefixes})
      _casm_first_config(CASM_TORCH_CONFIG_DIR "${_prefix}/share/cmake/Torch" "${_prefix}/Torch"
        "${_prefix}/lib/cmake/Torch" "${_prefix}/lib/${CMAKE_LIBRARY_ARCHITECTURE}/cmake/Torch")
      if(CASM_TORCH_CONFIG_DIR)
        set(CASM_TORCH_SOURCE "CMAKE_PREFIX_PATH (${_prefix})")
        break()
      endif()
    endforeach()
  endif()
  if(NOT CASM_TORCH_CONFIG_DIR)
    execute_process(COMMAND python3 -c "import torch; print(torch.utils.cmake_prefix_path)"
      OUTPUT_VARIABLE _casm_py_prefix OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _casm_py_rc)
    if(_casm_py_rc EQUAL 0)
      _casm_first_config(CASM_TORCH_CONFIG_DIR "${_casm_py_prefix}/Torch")
      if(CASM_TORCH_CONFIG_DIR)
        set(CASM_TORCH_SOURCE "PyTorch of python3 (${_casm_py_prefix})")
      endif()
    endif()
  endif()
  if(NOT CASM_TORCH_CONFIG_DIR)
    set(_casm_system_configs "/usr/share/cmake/Torch")
    foreach(_dir ${_casm_system_lib_dirs})
      list(APPEND _casm_system_configs "${_dir}/cmake/Torch")
    endforeach()
    _casm_first_config(CASM_TORCH_CONFIG_DIR ${_casm_system_configs})
    if(CASM_TORCH_CONFIG_DIR)
      set(CASM_TORCH_SOURCE "system")
    endif()
  endif()
endif()
if(NOT CASM_TORCH_CONFIG_DIR)
  message(FATAL_ERROR "casm-native: no LibTorch found. Install one (apt install libtorch-dev, or pip install torch) or set LIBTORCH to a libtorch folder or a PyTorch package folder (…/site-packages/torch).")
endif()
_casm_lib_dir_of_config("${CASM_TORCH_CONFIG_DIR}" CASM_TORCH_LIB_DIR)
if(NOT CASM_TORCH_LIB_DIR)
  message(FATAL_ERROR "casm-native: ${CASM_TORCH_CONFIG_DIR} has TorchConfig.cmake, but no libc10.so beside it (expected in ../../../lib or ../..)")
endif()

# --- 2. forget what an earlier configure found for another LibTorch ---------------------------------

# A build folder configured for one LibTorch caches the libraries it found (c10_LIBRARY,
# TORCH_LIBRARY, Caffe2_DIR, …); find_library/find_package never look again while those are set.
if(DEFINED CASM_TORCH_CONFIG_DIR_USED AND NOT CASM_TORCH_CONFIG_DIR_USED STREQUAL CASM_TORCH_CONFIG_DIR)
  message(STATUS "casm-native: LibTorch changed (was ${CASM_TORCH_CONFIG_DIR_USED}); dropping what was found for it")
  get_cmake_property(_casm_cache_vars CACHE_VARIABLES)
  foreach(_var ${_casm_cache_vars})
    if(NOT _var MATCHES "^CMAKE_" AND _var MATCHES "(_LIBRARY|_LIBRARIES|_DIR|_INCLUDE_DIR|_INCLUDE_PATH|_EXECUTABLE|_FOUND)$")
      unset(${_var} CACHE)
    endif()
  endforeach()
endif()
set(CASM_TORCH_CONFIG_DIR_USED "${CASM_TORCH_CONFIG_DIR}" CACHE INTERNAL "the TorchConfig folder of the last configure")
# Failed searches are retried by find_*() anyway, but LibTorch's cmake files copy some results
# into other cache entries (CUDA_NVRTC_LIB from CUDA_nvrtc_LIBRARY) that would keep a NOTFOUND.
get_cmake_property(_casm_cache_vars CACHE_VARIABLES)
foreach(_var ${_casm_cache_vars})
  if("${${_var}}" MATCHES "-NOTFOUND$")
    unset(${_var} CACHE)
  endif()
endforeach()

# --- 3. find it, with every other LibTorch hidden ----------------------------------------------------

# Folders that hold another LibTorch's libraries or config files; find_*() must not see them.
# Both spellings of merged-/usr folders are listed: CMAKE_IGNORE_PATH compares strings.
set(_casm_foreign_dirs "")
foreach(_dir ${_casm_system_lib_dirs})
  file(GLOB _c10 "${_dir}/libc10.so*")
  if(NOT _c10 OR NOT EXISTS "${_dir}")
    continue()
  endif()
  get_filename_component(_real "${_dir}" REALPATH)
  if(_real STREQUAL CASM_TORCH_LIB_DIR)
    continue()
  endif()
  string(REGEX REPLACE "^/usr/" "/" _unmerged "${_dir}")
  foreach(_spelling "${_dir}" "${_unmerged}" "${_real}")
    list(APPEND _casm_foreign_dirs "${_spelling}" "${_spelling}/cmake/Torch" "${_spelling}/cmake/Caffe2"
      "${_spelling}/cmake/ATen")
  endforeach()
endforeach()
list(REMOVE_DUPLICATES _casm_foreign_dirs)
set(CASM_TORCH_FOREIGN_DIRS ${_casm_foreign_dirs})

# A CUDA build of LibTorch (it ships libc10_cuda) runs FindCUDA from its Caffe2Config, which needs
# the CUDA toolkit. FindCUDA derives the toolkit from the first nvcc on PATH, which is wrong where
# that is a wrapper (/usr/local/bin/nvcc here), so the toolkit is named explicitly.
set(CASM_TORCH_CUDA OFF)
file(GLOB _casm_c10_cuda "${CASM_TORCH_LIB_DIR}/libc10_cuda.so*")
if(_casm_c10_cuda)
  set(CASM_TORCH_CUDA ON)
  if(NOT CUDA_TOOLKIT_ROOT_DIR OR NOT EXISTS "${CUDA_TOOLKIT_ROOT_DIR}/include/cuda_runtime.h")
    find_program(_casm_nvcc nvcc NO_CACHE)
    set(_casm_cuda_roots "$ENV{CUDAToolkit_ROOT}" "$ENV{CUDA_HOME}" "$ENV{CUDA_PATH}" "/usr/local/cuda")
    if(_casm_nvcc)
      get_filename_component(_casm_nvcc "${_casm_nvcc}" REALPATH)
      get_filename_component(_casm_nvcc_root "${_casm_nvcc}/../.." ABSOLUTE)
      list(APPEND _casm_cuda_roots "${_casm_nvcc_root}")
    endif()
    set(_casm_cuda_root "")
    foreach(_root ${_casm_cuda_roots})
      if(_root AND EXISTS "${_root}/include/cuda_runtime.h" AND EXISTS "${_root}/bin/nvcc")
        get_filename_component(_casm_cuda_root "${_root}" REALPATH)
        break()
      endif()
    endforeach()
    if(NOT _casm_cuda_root)
      message(FATAL_ERROR "casm-native: ${CASM_TORCH_LIB_DIR} is a CUDA build of LibTorch; building against it needs the CUDA toolkit (nvcc and headers), which was not found in CUDAToolkit_ROOT, CUDA_HOME, CUDA_PATH, /usr/local/cuda or beside nvcc on PATH. Install it or set CUDAToolkit_ROOT.")
    endif()
    set(CUDA_TOOLKIT_ROOT_DIR "${_casm_cuda_root}" CACHE PATH "CUDA toolkit (set by find-libtorch.cmake)" FORCE)
  endif()
  set(CUDAToolkit_ROOT "${CUDA_TOOLKIT_ROOT_DIR}")
  # TorchConfig lists NVRTC among the CUDA libraries; a minimal toolkit may lack it, while PyTorch's
  # nvidia wheels beside LibTorch carry the very one LibTorch uses.
  file(GLOB _casm_toolkit_nvrtc "${CUDA_TOOLKIT_ROOT_DIR}/lib64/libnvrtc.so" "${CUDA_TOOLKIT_ROOT_DIR}/lib/libnvrtc.so"
    "${CUDA_TOOLKIT_ROOT_DIR}/targets/*/lib/libnvrtc.so")
  file(GLOB _casm_wheel_nvrtc "${CASM_TORCH_LIB_DIR}/../../nvidia/*/lib/libnvrtc.so.[0-9]*")
  if(NOT _casm_toolkit_nvrtc AND _casm_wheel_nvrtc AND NOT CUDA_nvrtc_LIBRARY)
    list(GET _casm_wheel_nvrtc 0 _casm_nvrtc)
    get_filename_component(_casm_nvrtc "${_casm_nvrtc}" REALPATH)
    set(CUDA_nvrtc_LIBRARY "${_casm_nvrtc}" CACHE FILEPATH "NVRTC (set by find-libtorch.cmake)" FORCE)
  endif()
endif()

set(_casm_saved_ignore_path "${CMAKE_IGNORE_PATH}")
list(APPEND CMAKE_IGNORE_PATH ${_casm_foreign_dirs})
set(Torch_DIR "${CASM_TORCH_CONFIG_DIR}" CACHE PATH "TorchConfig.cmake folder (set by find-libtorch.cmake)" FORCE)
get_filename_component(_casm_caffe2_dir "${CASM_TORCH_CONFIG_DIR}/../Caffe2" ABSOLUTE)
if(EXISTS "${_casm_caffe2_dir}/Caffe2Config.cmake")
  set(Caffe2_DIR "${_casm_caffe2_dir}" CACHE PATH "Caffe2Config.cmake folder (set by find-libtorch.cmake)" FORCE)
endif()
find_package(Torch REQUIRED CONFIG NO_DEFAULT_PATH PATHS "${CASM_TORCH_CONFIG_DIR}")
set(CMAKE_IGNORE_PATH "${_casm_saved_ignore_path}")

# --- 4. C++ standard and CUDA ------------------------------------------------------------------------

# LibTorch states the standard its headers need on the torch target (14 for 1.13, 20 for recent
# 2.x, whose headers #error below C++20). Our code compiles as C++17 and C++20.
set(CASM_CXX_STANDARD 17)
if(TARGET torch)
  get_target_property(_casm_torch_std torch CXX_STANDARD)
  if(_casm_torch_std AND _casm_torch_std GREATER CASM_CXX_STANDARD)
    set(CASM_CXX_STANDARD ${_casm_torch_std})
  endif()
endif()

# CUDA builds of LibTorch ship libc10_cuda; CPU builds have the c10/cuda headers but not the library.
# Their headers include cuda_runtime.h, which LibTorch does not ship: take the CUDA headers beside
# it (pip's nvidia-cuda-runtime wheel, the same CUDA the libraries were built with), else the CUDA
# toolkit found above.
set(CASM_CUDA_INCLUDE_DIRS "")
if(CASM_TORCH_CUDA)
  file(GLOB _casm_wheel_cuda_headers "${CASM_TORCH_LIB_DIR}/../../nvidia/*/include/cuda_runtime.h"
    "${CASM_TORCH_LIB_DIR}/../../nvidia/cuda_runtime/include/cuda_runtime.h")
  if(_casm_wheel_cuda_headers)
    list(GET _casm_wheel_cuda_headers 0 _casm_header)
    get_filename_component(CASM_CUDA_INCLUDE_DIRS "${_casm_header}" DIRECTORY)
    set(_casm_cuda_headers_from "PyTorch's nvidia wheels")
  else()
    set(CASM_CUDA_INCLUDE_DIRS "${CUDA_TOOLKIT_ROOT_DIR}/include")
    set(_casm_cuda_headers_from "the CUDA toolkit")
  endif()
  message(STATUS "casm-native: CUDA build; CUDA headers from ${_casm_cuda_headers_from}: ${CASM_CUDA_INCLUDE_DIRS}")
endif()

message(STATUS "casm-native: LibTorch ${Torch_VERSION} from ${CASM_TORCH_SOURCE}; config ${CASM_TORCH_CONFIG_DIR}; libraries in ${CASM_TORCH_LIB_DIR}; C++${CASM_CXX_STANDARD}")

# --- 5. what would be linked must come from the chosen LibTorch ---------------------------------------

# Every file among `items` (targets followed through INTERFACE_LINK_LIBRARIES, plain paths).
function(_casm_link_files out_var)
  set(_files "")
  set(_seen "")
  set(_queue ${ARGN})
  while(_queue)
    list(POP_FRONT _queue _item)
    # Generator expressions such as $<LINK_ONLY:x>: keep the payload.
    string(REGEX REPLACE "^\\$<[A-Z_]+:(.*)>$" "\\1" _item "${_item}")
    if(_item STREQUAL "" OR _item IN_LIST _seen)
      continue()
    endif()
    list(APPEND _seen "${_item}")
    if(TARGET "${_item}")
      get_target_property(_aliased "${_item}" ALIASED_TARGET)
      if(_aliased)
        list(APPEND _queue "${_aliased}")
        continue()
      endif()
      get_target_property(_imported "${_item}" IMPORTED)
      get_target_property(_type "${_item}" TYPE)
      if(_imported AND NOT _type STREQUAL "INTERFACE_LIBRARY")
        get_target_property(_configs "${_item}" IMPORTED_CONFIGURATIONS)
        set(_props IMPORTED_LOCATION)
        foreach(_config ${_configs})
          string(TOUPPER "${_config}" _config)
          list(APPEND _props IMPORTED_LOCATION_${_config})
        endforeach()
        foreach(_prop ${_props})
          get_target_property(_loc "${_item}" ${_prop})
          if(_loc)
            list(APPEND _files "${_loc}")
          endif()
        endforeach()
      endif()
      set(_link_props INTERFACE_LINK_LIBRARIES)
      if(NOT _imported)
        list(APPEND _link_props LINK_LIBRARIES)
      endif()
      foreach(_prop ${_link_props})
        get_target_property(_deps "${_item}" ${_prop})
        if(_deps)
          list(APPEND _queue ${_deps})
        endif()
      endforeach()
    elseif(IS_ABSOLUTE "${_item}")
      list(APPEND _files "${_item}")
    endif()
  endwhile()
  set(${out_var} ${_files} PARENT_SCOPE)
endfunction()

# Fails the configure when any library in the link closure of `items` lives in a folder of
# another LibTorch install: linking it would bind the addon to two LibTorch versions at once.
function(casm_check_libtorch_closure)
  _casm_link_files(_files ${ARGN})
  foreach(_file ${_files})
    get_filename_component(_dir "${_file}" DIRECTORY)
    get_filename_component(_real_dir "${_dir}" REALPATH)
    if(_dir IN_LIST CASM_TORCH_FOREIGN_DIRS OR _real_dir IN_LIST CASM_TORCH_FOREIGN_DIRS)
      message(FATAL_ERROR "casm-native: the LibTorch in ${CASM_TORCH_LIB_DIR} would link ${_file}, which belongs to another LibTorch install in ${_dir}. Remove the build folder and configure again; if it persists, report it with this message.")
    endif()
  endforeach()
endfunction()
