// After dispose(): hand the heap pages that LibTorch just freed back to the operating system.
// glibc keeps freed blocks of its arenas (one per worker thread, where tensors are allocated) for
// reuse and returns them only from the top of a heap, so the hundreds of megabytes of a disposed
// model would otherwise stay in the process's resident set. malloc_trim also releases whole free
// pages inside the heaps. Other C libraries return memory on their own terms: nothing to do there.
#pragma once

#include <cstdlib>  // defines __GLIBC__ on glibc systems

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace casm::binding {

inline void release_free_memory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace casm::binding
