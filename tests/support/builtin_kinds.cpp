// Test binaries know the built-in kinds, as the drover CLI does: registered before main.
#include "model/kinds.hpp"

namespace {

const bool registered = [] {
  drover::register_builtin_kinds();
  return true;
}();

}  // namespace
