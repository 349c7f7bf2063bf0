// The built-in kinds join the registry through the public register_kind, when the CLI asks.
#include "core/kinds.hpp"
#include "kinds/kernels.hpp"

namespace drover {

void register_builtin_kinds() {
  builtin::register_square();
  builtin::register_crunch();
  builtin::register_download();
}

}  // namespace drover
