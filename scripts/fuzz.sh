#!/usr/bin/env bash
# Fuzzes the task-file and journal parsers and the serialisation codec with libFuzzer:
# scripts/fuzz.sh [SECONDS per target, default 30].
# Builds with clang 14 in build-fuzz, runs each fuzzer on a copy of its seed corpus under
# out/fuzz/<target>/ (the committed seeds stay small; found inputs accumulate there across
# runs), and exits 1 naming the input when one crashes, leaks or trips a sanitizer.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

seconds="${1:-30}"
targets=(fuzz_task_file fuzz_journal fuzz_serialize)

drover_ensure_packages clang-14 libclang-rt-14-dev
cd "$DROVER_ROOT"
mkdir -p build-fuzz
# Only the fuzz targets are built: the rest of the tree is not meant for Clang here.
# -O1 -g1 as the sanitizer builds of scripts/test.sh: libFuzzer's advice, and half the compile.
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" \
  -DDROVER_BUILD_FUZZ=ON -DDROVER_BUILD_TESTS=OFF -DDROVER_WERROR=ON \
  >build-fuzz/configure.log 2>&1 || { cat build-fuzz/configure.log; exit 1; }
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}"

status=0
for target in "${targets[@]}"; do
  dir="out/fuzz/$target"
  mkdir -p "$dir/corpus"
  for seed in "tests/fuzz/corpus/${target#fuzz_}/"*; do
    [ -e "$dir/corpus/$(basename "$seed")" ] || cp "$seed" "$dir/corpus/"
  done
  echo "fuzz: $target for ${seconds}s (log: $dir/log)"
  if "build-fuzz/tests/fuzz/$target" "$dir/corpus" -max_total_time="$seconds" -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$dir/" >"$dir/log" 2>&1; then
    grep -E '^(Done|stat::number_of_executed_units)' "$dir/log" || true
  else
    status=1
    tail -n 40 "$dir/log"
    echo "fuzz: $target FAILED; the input: $(grep -o 'Test unit written to .*' "$dir/log" |
      sed 's/Test unit written to //' || echo "see $dir/log")" >&2
  fi
done
exit "$status"
