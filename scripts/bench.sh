#!/usr/bin/env bash
# The benchmark harness: set up, build drover and its references, then run every case.
# Usage: scripts/bench.sh [--quick] [--only case,case]   (see scripts/bench.py --help)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$DROVER_ROOT"

# mpi4py is a reference, not a dependency of drover: install it when we can.
drover_ensure_packages python3-mpi4py
drover_mpi_env
mkdir -p out/bench
drover_build build-bench -DCMAKE_BUILD_TYPE=Release -DDROVER_BUILD_TESTS=OFF \
  -DDROVER_BUILD_BENCH=ON >out/bench/build.log 2>&1 || {
  tail -40 out/bench/build.log
  exit 1
}
exec python3 scripts/bench.py "$@"
