// Tuning glibc's allocator for batch buffers, once per process before MPI starts.
#include "runtime/malloc_tuning.hpp"

#include <malloc.h>

#include <cstdlib>

namespace drover {

void tune_malloc() {
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  // The sanitizers bring their own allocator: mallopt would not reach it.
  const auto set = [](const char* variable, int parameter, int value) {
    if (std::getenv(variable) == nullptr) (void)mallopt(parameter, value);
  };
  set("MALLOC_MMAP_THRESHOLD_", M_MMAP_THRESHOLD, 64 << 20);
  set("MALLOC_TRIM_THRESHOLD_", M_TRIM_THRESHOLD, 128 << 20);
  set("MALLOC_TOP_PAD_", M_TOP_PAD, 16 << 20);
#endif
}

}  // namespace drover
