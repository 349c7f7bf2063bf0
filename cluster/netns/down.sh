#!/usr/bin/env bash
# Removes the namespace hosts of up.sh, ending whatever still runs in them; safe to run again.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"

# Ours: the bridge namespace and every ${PREFIX}<number> namespace (also ones a lost
# hosts list no longer names).
mapfile -t spaces < <(ip netns list 2>/dev/null | awk '{print $1}' |
  grep -E "^${DROVER_NETNS_PREFIX}([0-9]+|br)$" || true)
for ns in "${spaces[@]}"; do
  mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null || true)
  if [ ${#pids[@]} -gt 0 ]; then
    kill -KILL "${pids[@]}" 2>/dev/null || true
    echo "killed in $ns: ${pids[*]}"
  fi
done
for ns in "${spaces[@]}"; do
  ip netns del "$ns" 2>/dev/null && echo "removed $ns"
  [ "$ns" != "$DROVER_NETNS_BRIDGE_NS" ] && rm -rf "/etc/netns/$ns"
done
rm -f "$DROVER_NETNS_DIR/hosts" "$DROVER_NETNS_DIR/hostfile"
rmdir "$DROVER_NETNS_DIR" 2>/dev/null
exit 0
