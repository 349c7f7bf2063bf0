#!/usr/bin/env bash
# What the local test cluster is doing: daemons, nodes, jobs. Exit 0 when every daemon runs.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"
D="$DROVER_SLURM_DIR"

ok=0
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then echo "munged: running"; else echo "munged: not answering"; ok=1; fi
for f in "$D/run/slurmctld.pid" $(for n in $(slurm_node_names); do echo "$D/run/slurmd-$n.pid"; done); do
  name="$(basename "$f" .pid)"
  if pid_alive "$f" "${name%%-*}"; then echo "$name: running (pid $(cat "$f"))"; else echo "$name: stopped"; ok=1; fi
done
echo "SLURM_CONF=$SLURM_CONF_FILE"
if [ "$ok" -eq 0 ]; then
  sinfo -N
  squeue
fi
exit "$ok"
