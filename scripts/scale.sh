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
drover_build_bench out/scale
# Debian's python3: the one python3-matplotlib installs into.
/usr/bin/python3 scripts/scale.py --trace "$@"
plot_args=(--dir out/scale)
[ -f out/scale/trace.json ] && plot_args+=(--trace out/scale/trace.json)
/usr/bin/python3 scripts/plot.py "${plot_args[@]}"
