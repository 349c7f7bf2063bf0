#!/usr/bin/env bash
# An rsh-like agent for the namespace hosts: agent.sh HOST COMMAND...
# Like ssh, it joins COMMAND into one line for a shell on HOST (Open MPI's rsh launcher
# sends a shell line: "PATH=...; export PATH; ... orted -mca ..."). For mpirun:
#   --mca plm_rsh_agent cluster/netns/agent.sh
# A leading option (ssh's -x, -T, -n ...) is ignored.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"
while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do shift; done
if [ $# -lt 2 ]; then
  echo "usage: agent.sh HOST COMMAND..." >&2
  exit 255
fi
host="$1"
shift
if ! ip netns list | awk '{print $1}' | grep -qx "$host"; then
  echo "agent.sh: no host $host (cluster/netns/up.sh creates them)" >&2
  exit 255
fi
in_host "$host" sh -c "$*"
