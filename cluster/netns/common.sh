# shellcheck shell=bash
# Shared settings of the network-namespace hosts (sourced by up.sh, agent.sh, run.sh, down.sh).
# Host i is namespace ${DROVER_NETNS_PREFIX}i with address ${DROVER_NETNS_NET}.(10+i) on eth0,
# and hostname ${DROVER_NETNS_PREFIX}i inside the agent; a bridge joins them in namespace
# ${DROVER_NETNS_PREFIX}br. Nothing is added to the machine's own network namespace.

DROVER_NETNS_PREFIX="${DROVER_NETNS_PREFIX:-drover-h}"
DROVER_NETNS_NET="${DROVER_NETNS_NET:-10.213.77}"        # a private /24, inside the namespaces only
DROVER_NETNS_DIR="${DROVER_NETNS_DIR:-/tmp/drover-netns}" # hostfile, host list
# shellcheck disable=SC2034  # used by the scripts that source this file
DROVER_NETNS_BRIDGE_NS="${DROVER_NETNS_PREFIX}br"

netns_host_name() { echo "${DROVER_NETNS_PREFIX}$1"; }
netns_host_addr() { echo "${DROVER_NETNS_NET}.$((10 + $1))"; }

# The hosts up.sh created, one a line (empty when none).
netns_hosts() {
  [ -f "$DROVER_NETNS_DIR/hosts" ] && cat "$DROVER_NETNS_DIR/hosts"
  return 0
}

# in_host HOST COMMAND [ARGS...]: runs COMMAND (argv kept as is) in HOST's namespace,
# with HOST as its hostname (a UTS namespace of its own, so the machine's is untouched).
in_host() {
  local host="$1"
  shift
  exec ip netns exec "$host" unshare --uts -- sh -c 'hostname "$0" && exec "$@"' "$host" "$@"
}
