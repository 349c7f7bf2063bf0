#!/usr/bin/env bash
# A real Slurm cluster on one machine: munged, slurmctld and one slurmd per fake node.
# Usage: cluster/local-slurm/up.sh     (as root; safe to run again: what runs is left running)
# Settings (environment): DROVER_SLURM_DIR (/tmp/drover-slurm), DROVER_SLURM_NODES (2),
#   DROVER_SLURM_CPUS (2 per node), DROVER_SLURM_PORT (16817; node i listens on PORT+i),
#   DROVER_SLURM_PARTITION (drover), DROVER_SLURM_KILLWAIT (10 s).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/common.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "up.sh: must run as root (it starts munged, slurmctld and slurmd)" >&2
  exit 1
fi

# --- packages ---
missing=()
for p in slurmctld slurmd slurm-client munge; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

D="$DROVER_SLURM_DIR"
mkdir -p "$D"/{state,spool,run,log,tmp}
chmod 755 "$D"
for n in $(slurm_node_names); do
  # World-writable like /tmp: jobs of any user put Open MPI's session
  # directories and shared-memory segments here.
  mkdir -p "$D/tmp/$n" "$D/spool/$n" && chmod 1777 "$D/tmp/$n"
done

# --- munge (authentication; one per machine, shared by every cluster here) ---
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  chmod 755 /run/munge
  [ -s /etc/munge/munge.key ] || { mungekey --create --keyfile /etc/munge/munge.key && chown munge:munge /etc/munge/munge.key; }
  runuser -u munge -- /usr/sbin/munged
  touch "$D/run/munged.ours"   # down.sh stops munged only if this cluster started it
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n | unmunge >/dev/null || { echo "up.sh: munged does not answer" >&2; exit 1; }
fi

# --- configuration ---
# Each job task sources the TaskProlog's "export" lines: fake nodes share one
# hostname, so Open MPI's shared-memory segments and session directories
# (named after the host, the job and the local rank) would collide between
# nodes without a directory each. TMPDIR moves the session directories.
# The vader backing directory is exported to step tasks only, not to the batch
# script: mpirun forwards every OMPI_MCA_* variable of its own environment to
# all its ranks, so node1's directory would reach node2's ranks and they would
# share segments again (segfaults in mca_btl_vader_poll_handle_frag). Without
# it, mpirun's node1 ranks use /dev/shm and node2's ranks (under an orted
# started by srun, a step) their own directory.
cat >"$D/task-prolog.sh" <<EOF
#!/bin/sh
# Written by cluster/local-slurm/up.sh: a temporary directory per fake node.
echo "export TMPDIR=$D/tmp/\$SLURMD_NODENAME"
if [ -n "\${SLURM_STEP_ID:-}" ]; then
  echo "export OMPI_MCA_btl_vader_backing_directory=$D/tmp/\$SLURMD_NODENAME"
fi
EOF
chmod 755 "$D/task-prolog.sh"

host="$(hostname -s)"
conf_new="$D/slurm.conf.new"
{
  cat <<EOF
# Written by cluster/local-slurm/up.sh: a cluster of fake nodes on one machine.
ClusterName=drover
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$DROVER_SLURM_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$D/state
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmctldLogFile=$D/log/slurmctld.log
# %n: each slurmd (slurmd -N NAME) gets its own spool, pid file, log and TmpFS.
SlurmdSpoolDir=$D/spool/%n
SlurmdPidFile=$D/run/slurmd-%n.pid
SlurmdLogFile=$D/log/slurmd-%n.log
TmpFS=$D/tmp/%n
# Nodes may claim more CPUs than the machine has.
SlurmdParameters=config_overrides
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
TaskProlog=$D/task-prolog.sh
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=pmix
# One crashed task ends the step instead of leaving the others waiting forever.
KillOnBadExit=1
# Seconds between SIGTERM and SIGKILL at a time limit or scancel.
KillWait=$DROVER_SLURM_KILLWAIT
OverTimeLimit=0
InactiveLimit=0
# Finished jobs stay visible to scontrol for 10 minutes (there is no slurmdbd, so no sacct);
# their final states also go to the job completion log.
MinJobAge=600
JobCompType=jobcomp/filetxt
JobCompLoc=$D/log/jobcomp.log
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
SlurmdTimeout=60
MessageTimeout=10
MailProg=/bin/true
EOF
  i=0
  for n in $(slurm_node_names); do
    i=$((i + 1))
    echo "NodeName=$n NodeHostname=$host NodeAddr=127.0.0.1 Port=$((DROVER_SLURM_PORT + i)) CPUs=$DROVER_SLURM_CPUS State=UNKNOWN"
  done
  echo "PartitionName=$DROVER_SLURM_PARTITION Nodes=$(slurm_node_names | paste -sd,) Default=YES MaxTime=INFINITE State=UP"
} >"$conf_new"

# mpi.conf (beside slurm.conf): one fence algorithm for every PMIx fence. With the default
# ("mixed": a ring for MPI_Init's data exchange, a tree for its closing barrier) one fake node
# now and then left the barrier before the other had reached it, and its first MPI message then
# hit a rank still inside MPI_Init: a segfault in Open MPI 4.1.4's btl/tcp. Seen with a 10-line
# MPI program too: 11 of 1500 srun launches under load, drover as often; 0 of 1500 with the ring
# (cluster/README.md).
mpi_new="$D/mpi.conf.new"
cat >"$mpi_new" <<EOF
# Written by cluster/local-slurm/up.sh.
PMIxCollFence=ring
EOF

running=0
if pid_alive "$D/run/slurmctld.pid" slurmctld; then running=1; fi
if [ -f "$SLURM_CONF_FILE" ] && cmp -s "$conf_new" "$SLURM_CONF_FILE" &&
  cmp -s "$mpi_new" "$D/mpi.conf"; then
  rm -f "$conf_new" "$mpi_new"
else
  mv "$conf_new" "$SLURM_CONF_FILE"
  mv "$mpi_new" "$D/mpi.conf"
  if [ "$running" -eq 1 ]; then
    echo "up.sh: the configuration changed; restarting the cluster"
    "$here/down.sh" --keep-munge
  fi
fi

# --- daemons ---
if ! pid_alive "$D/run/slurmctld.pid" slurmctld; then
  slurmctld -f "$SLURM_CONF_FILE"
fi
started_at="$(date +%FT%T)"
fresh=()
for n in $(slurm_node_names); do
  if ! pid_alive "$D/run/slurmd-$n.pid" slurmd; then
    slurmd -f "$SLURM_CONF_FILE" -N "$n"
    fresh+=("$n")
  fi
done

# --- wait until every node is idle ---
deadline=$((SECONDS + ${DROVER_SLURM_UP_TIMEOUT:-60}))
want="$DROVER_SLURM_NODES"
while :; do
  idle="$(sinfo -h -N -p "$DROVER_SLURM_PARTITION" -o '%N %t' 2>/dev/null | awk '$2 ~ /^(idle|mix|alloc)$/' | wc -l)"
  # A restarted controller reports the saved state at once: a fresh slurmd counts only
  # once it has registered (its SlurmdStartTime is from this start).
  registered=1
  for n in "${fresh[@]}"; do
    since="$(scontrol show node "$n" 2>/dev/null | grep -o 'SlurmdStartTime=[^ ]*' | cut -d= -f2)"
    if [ -z "$since" ] || [ "$since" = None ] || [[ "$since" < "$started_at" ]]; then registered=0; fi
  done
  [ "$idle" -ge "$want" ] && [ "$registered" -eq 1 ] && break
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "up.sh: nodes not idle after ${DROVER_SLURM_UP_TIMEOUT:-60} s:" >&2
    sinfo -N -p "$DROVER_SLURM_PARTITION" >&2 || true
    tail -n 20 "$D/log/slurmctld.log" >&2 || true
    exit 1
  fi
  # A node that registered before the controller knew it can sit "down": bring it back.
  for n in $(sinfo -h -N -p "$DROVER_SLURM_PARTITION" -t down,drain -o '%N' 2>/dev/null); do
    scontrol update NodeName="$n" State=RESUME 2>/dev/null || true
  done
  sleep 0.2
done

cat <<EOF
local Slurm cluster up: $DROVER_SLURM_NODES nodes x $DROVER_SLURM_CPUS CPUs, partition $DROVER_SLURM_PARTITION
  export SLURM_CONF=$SLURM_CONF_FILE
  sinfo; sbatch cluster/slurm/one-node.sbatch; squeue
  logs: $D/log/   stop: cluster/local-slurm/down.sh
EOF
sinfo -N -p "$DROVER_SLURM_PARTITION"
