#!/usr/bin/env bash
# N hosts on one machine: network namespaces joined by a bridge, each with its own address
# and (inside agent.sh/run.sh) its own hostname. Usage: cluster/netns/up.sh [N]   (default 3)
# Safe to run again: an existing host is rebuilt. Needs root (ip netns, veth, bridge).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"
n="${1:-3}"
if ! [[ "$n" =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ] || [ "$n" -gt 200 ]; then
  echo "usage: up.sh [N]  (1 to 200 hosts)" >&2
  exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "up.sh: must run as root (ip netns add, veth pairs, a bridge)" >&2
  exit 1
fi

# Start from nothing: whatever an earlier up.sh left is removed first.
"$here/down.sh" >/dev/null

br="$DROVER_NETNS_BRIDGE_NS"
ip netns add "$br"
ip -n "$br" link add br0 type bridge
ip -n "$br" link set br0 up
ip -n "$br" link set lo up

mkdir -p "$DROVER_NETNS_DIR"
: >"$DROVER_NETNS_DIR/hosts"
hosts_file="$(mktemp)"
{
  echo "127.0.0.1 localhost"
  for ((i = 1; i <= n; i++)); do echo "$(netns_host_addr "$i") $(netns_host_name "$i")"; done
} >"$hosts_file"

for ((i = 1; i <= n; i++)); do
  h="$(netns_host_name "$i")"
  ip netns add "$h"
  # Both ends are created inside namespaces: eth0 in the host, v<i> on the bridge.
  ip link add eth0 netns "$h" type veth peer name "v$i" netns "$br"
  ip -n "$br" link set "v$i" master br0
  ip -n "$br" link set "v$i" up
  ip -n "$h" addr add "$(netns_host_addr "$i")/24" dev eth0
  ip -n "$h" link set eth0 up
  ip -n "$h" link set lo up
  # `ip netns exec` mounts /etc/netns/HOST/hosts over /etc/hosts: every host knows the others.
  mkdir -p "/etc/netns/$h"
  cp "$hosts_file" "/etc/netns/$h/hosts"
  echo "$h" >>"$DROVER_NETNS_DIR/hosts"
done
rm -f "$hosts_file"

# A hostfile for mpirun, one slot per host (run.sh -np N places N ranks round-robin).
sed 's/$/ slots=1/' "$DROVER_NETNS_DIR/hosts" >"$DROVER_NETNS_DIR/hostfile"

# Every host must reach every other before mpirun tries (ping: iputils-ping).
first="$(netns_host_name 1)"
if ! command -v ping >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iputils-ping >/dev/null 2>&1 ||
    echo "up.sh: no ping (apt-get install iputils-ping failed); not checking that the hosts reach each other" >&2
fi
for ((i = 2; i <= n; i++)); do
  command -v ping >/dev/null || break
  ok=0
  for _ in $(seq 50); do
    if ip netns exec "$first" ping -c1 -W1 "$(netns_host_addr "$i")" >/dev/null 2>&1; then ok=1; break; fi
    sleep 0.1
  done
  if [ "$ok" -ne 1 ]; then
    echo "up.sh: $first cannot reach $(netns_host_name "$i") at $(netns_host_addr "$i")" >&2
    exit 1
  fi
done

echo "netns hosts up: $(paste -sd' ' "$DROVER_NETNS_DIR/hosts") on ${DROVER_NETNS_NET}.0/24"
echo "  run a command on one: cluster/netns/agent.sh $first hostname"
echo "  mpirun across them:   cluster/netns/run.sh -np $n build/drover run square --count 1000"
echo "  hostfile: $DROVER_NETNS_DIR/hostfile   remove: cluster/netns/down.sh"
