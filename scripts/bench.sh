#!/usr/bin/env bash
# The benchmark harness: set up, build drover and its references, then run every case.
# Usage: scripts/bench.sh [--quick] [--only case,case]   (see scripts/bench.py --help)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$DROVER_ROOT"

# mpi4py is a reference, not a dependency of drover: install it when we can.
drover_ensure_packages python3-mpi4py
drover_mpi_env
# DROVER_BENCH_BUILD names a build that has the benchmarks already (test.sh's).
[ -n "${DROVER_BENCH_BUILD:-}" ] || drover_build_bench out/bench
exec python3 scripts/bench.py "$@"
