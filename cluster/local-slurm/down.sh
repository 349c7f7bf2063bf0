#!/usr/bin/env bash
# Stops the local test cluster started by up.sh (by its PID files); safe to run again.
# Usage: cluster/local-slurm/down.sh [--purge] [--keep-munge]
#   --purge: also remove the state directory; --keep-munge: leave munged running
#   (munged is stopped only when this cluster's up.sh started it).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"
D="$DROVER_SLURM_DIR"
purge=0 keep_munge=0
for arg in "$@"; do
  case "$arg" in
    --purge) purge=1 ;;
    --keep-munge) keep_munge=1 ;;
    *) echo "usage: down.sh [--purge] [--keep-munge]" >&2; exit 2 ;;
  esac
done

# stop_pidfile FILE NAME COMM: TERM, then KILL after 10 s, the process FILE names
# (only if it is still the COMM process that wrote the file).
stop_pidfile() {
  local file="$1" name="$2" comm="$3" pid i
  pid_alive "$file" "$comm" || { rm -f "$file"; return 0; }
  pid="$(cat "$file")"
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "down.sh: $name ($pid) ignored SIGTERM; killing it" >&2
    kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$file"
  echo "stopped $name ($pid)"
}

if [ -d "$D/run" ]; then
  # Jobs first, while the controller can still tell the nodes to end them.
  if pid_alive "$D/run/slurmctld.pid" slurmctld; then
    scancel --full --partition "$DROVER_SLURM_PARTITION" 2>/dev/null || true
  fi
  for f in "$D"/run/slurmd-*.pid; do
    [ -e "$f" ] || continue
    n="${f##*/slurmd-}"
    stop_pidfile "$f" "slurmd ${n%.pid}" slurmd
  done
  stop_pidfile "$D/run/slurmctld.pid" slurmctld slurmctld
  # slurmstepd outlives a stopped slurmd; end the ones this cluster left.
  for p in $(pgrep -x slurmstepd 2>/dev/null); do
    if tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q -- "$D" ||
       grep -qz "SLURM_CONF=$SLURM_CONF_FILE" "/proc/$p/environ" 2>/dev/null; then
      kill -KILL "$p" 2>/dev/null && echo "killed a leftover slurmstepd ($p)"
    fi
  done
  if [ "$keep_munge" -eq 0 ] && [ -e "$D/run/munged.ours" ]; then
    if pid_alive /run/munge/munged.pid munged; then
      munge_pid="$(cat /run/munge/munged.pid)"
      kill -TERM "$munge_pid" 2>/dev/null && echo "stopped munged ($munge_pid)"
    fi
    rm -f "$D/run/munged.ours"
  fi
fi
if [ "$purge" -eq 1 ]; then
  rm -rf "$D"
  echo "removed $D"
fi
exit 0
