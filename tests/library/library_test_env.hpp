// The one Runtime of the library test binary, for tests on rank 0.
#pragma once

#include <drover/runtime.hpp>

namespace drover::library_test {

extern Runtime* runtime;
inline Pool pool() {
  return runtime->pool();
}

}  // namespace drover::library_test
