#!/usr/bin/env bash
# The main job: set up (packages, build), then a demo of the three work kinds and of the C++ library under mpirun.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$DROVER_ROOT"

drover_ensure_packages
drover_mpi_env
mkdir -p out
drover_build build -DCMAKE_BUILD_TYPE=Release -DDROVER_BUILD_TESTS=OFF -DDROVER_BUILD_EXAMPLES=ON \
  >out/build.log 2>&1 || {
  tail -40 out/build.log
  exit 1
}

# Every mpirun runs under a timeout: a hang fails instead of stalling.
mpirun_() { timeout -k 10 600 mpirun --quiet "$@"; }

echo "== square: 1,000,000 numbers on 4 ranks, ordered, written to out/squares.jsonl"
mpirun_ -np 4 build/drover run square --count 1000000 --output out/squares.jsonl
echo
echo "== crunch: 8 counting tasks of 10,000,000 increments on 2 ranks"
mpirun_ -np 2 build/drover run crunch --tasks 8 --count 10000000
echo
echo "== download: 12 simulated downloads of 5 to 10 s on 4 ranks, all in flight at once"
mpirun_ -np 4 build/drover run download --tasks 12 --min 5 --max 10 --seed 7
echo
echo "== a mixed task file on 3 ranks, results as CSV in out/results.csv"
{
  for n in 3 -4 12 3037000500; do echo "{\"kind\":\"square\",\"n\":$n}"; done
  echo '{"kind":"crunch","count":5000000}'
  echo '{"kind":"download","name":"av.avi","seconds":1.5}'
  echo '{"kind":"download","name":"iso.img","seconds":0.5}'
} >out/tasks.jsonl
# One square overflows int64 on purpose: it fails as data and the exit code is 1.
set +e
mpirun_ -np 3 build/drover run --tasks-file out/tasks.jsonl --output out/results.csv --format csv
status=$?
set -e
[ "$status" -eq 1 ] || { echo "expected exit 1 (one failed task), got $status" >&2; exit 1; }
echo
echo "first rows of out/results.csv:"
head -4 out/results.csv
echo
echo "== any command as a task: GNU parallel's template over two lists (the product), 2 ranks"
mpirun_ -np 2 build/drover run exec --tag --joblog out/jobs.log \
  'echo "fit k={1} seed={2} on rank $DROVER_RANK"' ::: 4 8 16 ::: 1 2
echo "out/jobs.log (GNU parallel's joblog format):"
cut -f1,7,9 out/jobs.log
echo
echo "== the C++ library: examples/readme.cpp (map, submit, map_unordered) on 3 ranks"
mpirun_ -np 3 build/examples/example_readme
echo
echo "== the C++ library: a struct in and out, a task that throws (examples/user_struct.cpp), 2 ranks"
mpirun_ -np 2 build/examples/example_user_struct
echo
echo "demo complete: outputs in out/"
