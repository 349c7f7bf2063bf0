#!/usr/bin/env bash
# Soak: many short runs of small mixed workloads at 1..7 ranks (oversubscribed),
# ordered and unordered, with and without --batch 1, a journal, or retries
# around a failing rank. Each run is under `timeout -k 10 60`; a non-zero exit,
# a timeout, or an output that is not one ok row per task fails the soak with
# the command printed.
# Usage: scripts/soak.sh [RUNS]   (default 100; DROVER_BIN picks the binary)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
drover_mpi_env

runs="${1:-100}"
bin="${DROVER_BIN:-$DROVER_ROOT/build/drover}"
mpirun="${DROVER_MPIRUN:-mpirun}"
[ -x "$bin" ] || { echo "soak: no drover binary at $bin (build first)" >&2; exit 2; }
tmp="$(mktemp -d -t drover-soak-XXXXXX)"
trap 'rm -rf "$tmp"' EXIT

# A mixed task file: squares, crunch, downloads interleaved (CPU and IO lanes alternate).
tasks_file="$tmp/mixed.jsonl"
for i in $(seq 0 299); do
  printf '{"kind":"square","n":%d}\n' $((i * 7919 - 1000000))
  [ $((i % 5)) -eq 0 ] && printf '{"kind":"crunch","count":%d}\n' $((i * 1000))
  [ $((i % 7)) -eq 0 ] &&
    printf '{"kind":"download","name":"f%d.bin","seconds":0.0%d}\n' "$i" $((i % 10))
done >"$tasks_file"
file_tasks="$(wc -l <"$tasks_file")"

# check_rows FILE N ORDERED: N rows, all ok, ids 0..N-1 (in order when ORDERED).
check_rows() {
  local file="$1" n="$2" ordered="$3"
  [ "$(grep -c '"ok":true' "$file")" -eq "$n" ] || return 1
  if [ "$ordered" -eq 1 ]; then
    awk -F'[:,]' -v n="$n" '$2 != NR - 1 { exit 1 } END { exit NR != n }' "$file"
  else
    awk -F'[:,]' '{ print $2 }' "$file" | sort -n |
      awk -v n="$n" '$1 != NR - 1 { exit 1 } END { exit NR != n }'
  fi
}

started=$SECONDS
for ((i = 0; i < runs; i++)); do
  ranks=$((1 + i % 7))
  case $(((i / 7) % 4)) in
    0) work=(square --count 20000 --from -10000) n=20000 ;;
    1) work=(crunch --tasks 40 --count 200000) n=40 ;;
    2) work=(download --tasks 60 --min 0.001 --max 0.02 --seed "$i") n=60 ;;
    3) work=(--tasks-file "$tasks_file") n="$file_tasks" ;;
  esac
  opts=(-q --output "$tmp/out.jsonl" --columns id,ok)
  ordered=1
  [ $(((i / 2) % 2)) -eq 1 ] && { opts+=(--unordered); ordered=0; }
  [ $(((i / 3) % 3)) -eq 0 ] && opts+=(--batch 1)
  if [ $(((i / 5) % 2)) -eq 1 ]; then
    rm -f "$tmp/journal.drj"
    opts+=(--journal "$tmp/journal.drj")
  fi
  env_args=()
  if [ "$ranks" -ge 2 ] && [ $((i % 4)) -eq 3 ]; then
    # Every CPU task on rank 1 fails; retries elsewhere must still succeed.
    env_args=(-x DROVER_TEST_FAIL_RANKS=1)
    opts+=(--retries 2)
  fi
  cmd=(timeout -k 10 60 "$mpirun" --quiet -np "$ranks" "${env_args[@]}"
    "$bin" run "${work[@]}" "${opts[@]}")
  rc=0
  "${cmd[@]}" >"$tmp/stdout" 2>"$tmp/stderr" || rc=$?
  if [ "$rc" -ne 0 ] || ! check_rows "$tmp/out.jsonl" "$n" "$ordered"; then
    [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] && echo "soak: run $i timed out" >&2
    echo "soak: run $i failed (exit $rc; output $(wc -l <"$tmp/out.jsonl") rows, $n expected):" >&2
    echo "  ${cmd[*]}" >&2
    sed 's/^/  stdout: /' "$tmp/stdout" >&2
    sed 's/^/  stderr: /' "$tmp/stderr" >&2
    exit 1
  fi
done
echo "soak: $runs runs at 1..7 ranks passed in $((SECONDS - started)) s"
