#!/usr/bin/env bash
# mpirun across the namespace hosts, over real TCP: run.sh [-np N] [mpirun options] PROGRAM [ARGS...]
# mpirun runs on the first host, starts an orted on each other host through agent.sh,
# and every rank talks TCP on the hosts' /24 (no shared memory: they are different hosts).
# Default -np: one rank per host. Set DROVER_NETNS_MPIRUN to use another mpirun.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"

hosts="$(netns_hosts)"
if [ -z "$hosts" ]; then
  echo "run.sh: no hosts; start them with cluster/netns/up.sh N" >&2
  exit 2
fi
first="$(head -n1 <<<"$hosts")"
count="$(wc -l <<<"$hosts")"
np=(-np "$count")
case "${1:-}" in -np | -n | --np | -c) np=() ;; esac

# As root, mpirun wants these; the ranks may outnumber the hosts' slots.
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
net="${DROVER_NETNS_NET}.0/24"
# shellcheck disable=SC2054  # "tcp,self" is one argument
mca=(
  --hostfile "$DROVER_NETNS_DIR/hostfile" --oversubscribe
  --mca plm_rsh_agent "$here/agent.sh"
  # TCP between hosts and nothing else: vader would need a shared host.
  --mca pml ob1 --mca btl tcp,self
  --mca oob_tcp_if_include "$net" --mca btl_tcp_if_include "$net"
  # A host that stops answering (a cut link, a dead daemon) ends the job in under
  # 10 s instead of hanging: TCP keepalive on the daemons' connections.
  --mca oob_tcp_keepalive_time 3 --mca oob_tcp_keepalive_intvl 1 --mca oob_tcp_keepalive_probes 3
  # More ranks than cores: idle ranks yield instead of busy-polling.
  --mca mpi_yield_when_idle 1
)
in_host "$first" "${DROVER_NETNS_MPIRUN:-mpirun}" "${mca[@]}" "${np[@]}" "$@"
