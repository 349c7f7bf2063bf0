// drover's C++ library: register functions with DROVER_TASK, run them over MPI ranks with Runtime and Pool.
#pragma once

#include "drover/errors.hpp"
#include "drover/future.hpp"
#include "drover/kind.hpp"
#include "drover/pool.hpp"
#include "drover/runtime.hpp"
#include "drover/serialize.hpp"
#include "drover/task.hpp"
