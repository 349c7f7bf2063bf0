// The built-in kinds join the registry through the public register_kind, when the CLI asks.
#include "kinds/kernels.hpp"
#include "model/kinds.hpp"

namespace drover {

void register_builtin_kinds() {
  if (!kind_registered("square")) builtin::register_square();
  if (!kind_registered("crunch")) builtin::register_crunch();
  if (!kind_registered("download")) builtin::register_download();
  if (!kind_registered("exec")) builtin::register_exec();
  if (!kind_registered("barrier")) builtin::register_barrier();
}

}  // namespace drover
