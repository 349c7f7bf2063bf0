#!/usr/bin/env bash
# Scaling experiments: set up, build drover, run scripts/scale.py, then draw the plots.
# Usage: scripts/scale.sh [--quick] [scale.py options]   (see scripts/scale.py --help)
# Writes out/scale/{strong,weak,granularity}.csv, trace.json and speedup.png, efficiency.png,
# granularity.png, gantt.png.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$DROVER_ROOT"

drover_ensure_packages python3-matplotlib
drover_mpi_env
mkdir -p out/scale
# The benchmark harness's build (scripts/bench.sh), with the same options, so the two share it.
drover_build build-bench -DCMAKE_BUILD_TYPE=Release -DDROVER_BUILD_TESTS=OFF \
  -DDROVER_BUILD_BENCH=ON >out/scale/build.log 2>&1 || {
  tail -40 out/scale/build.log
  exit 1
}
# Debian's python3: the one python3-matplotlib installs into.
/usr/bin/python3 scripts/scale.py --trace "$@"
plot_args=(--dir out/scale)
[ -f out/scale/trace.json ] && plot_args+=(--trace out/scale/trace.json)
/usr/bin/python3 scripts/plot.py "${plot_args[@]}"
