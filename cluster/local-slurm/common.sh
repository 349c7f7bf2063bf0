# shellcheck shell=bash
# Shared settings of the local test cluster (sourced by up.sh, down.sh, status.sh).
# Everything lives under one state directory, so several checkouts can use
# different ones (with different ports) and `rm -rf` of it leaves no trace.

DROVER_SLURM_DIR="${DROVER_SLURM_DIR:-/tmp/drover-slurm}"
DROVER_SLURM_NODES="${DROVER_SLURM_NODES:-2}"          # fake nodes: node1..nodeN
DROVER_SLURM_CPUS="${DROVER_SLURM_CPUS:-2}"            # CPUs each node claims
DROVER_SLURM_PORT="${DROVER_SLURM_PORT:-16817}"        # slurmctld; slurmd i listens on PORT+i
DROVER_SLURM_PARTITION="${DROVER_SLURM_PARTITION:-drover}"
DROVER_SLURM_KILLWAIT="${DROVER_SLURM_KILLWAIT:-10}"   # seconds between SIGTERM and SIGKILL

SLURM_CONF_FILE="$DROVER_SLURM_DIR/slurm.conf"
export SLURM_CONF="$SLURM_CONF_FILE"

slurm_node_names() {
  local i
  for ((i = 1; i <= DROVER_SLURM_NODES; i++)); do echo "node$i"; done
}

# pid_alive FILE NAME: whether FILE names a live process called NAME (a stale pid file
# whose number now belongs to another process does not count).
pid_alive() {
  local pid
  [ -s "$1" ] || return 1
  pid="$(cat "$1" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]
}
