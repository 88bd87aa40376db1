#!/usr/bin/env bash
# A Slurm cluster of one node, this machine, to try docs/slurm.sh without a cluster: munged,
# slurmctld and slurmd, with their configuration, state and logs in one folder of their own.
# CI starts it to run docs/slurm.sh on a real Slurm (.ci/run). See docs/beyond-one-machine.md.
#
# Needs Debian's (or Ubuntu's) slurm-wlm and munge packages, and root, since slurmd starts each
# job as the user who submitted it:
#
#   sudo apt-get install slurm-wlm munge
#   sudo bash docs/slurm-one-node.sh start      # prints the line to paste: export SLURM_CONF=...
#   export SLURM_CONF=/tmp/descent-slurm/slurm.conf
#   sinfo                                       # the node is idle
#   bash docs/slurm.sh                          # the shards, then the merge
#   sudo bash docs/slurm-one-node.sh stop       # stops the three daemons by their process ids
#
# Settings, from the environment:
#   SLURM_DIR    the folder of the configuration, state, logs and process ids
#                (default /tmp/descent-slurm); start refuses one whose daemons still run
#   SLURM_PORT   slurmctld's port; slurmd's is the next one (default 6817, Slurm's own)
#
# The node is this machine with its real CPU count and memory (slurmd -C), in a partition
# `debug`. Jobs are scheduled on CPUs alone (memory is not reserved), so 2 CPUs run 2 jobs of
# one CPU at once. Processes are tracked without cgroups (proctrack/linuxproc, task/none), so it runs
# in a container as well; jobs are not confined to the CPUs they asked for.
set -euo pipefail

dir=${SLURM_DIR:-/tmp/descent-slurm}
port=${SLURM_PORT:-6817}
daemons=(slurmd slurmctld munged)

usage() {
  echo "usage: $0 start|stop|status" >&2
  exit 64
}

# The process id a daemon recorded, when that process still runs.
running() {
  local pid
  pid=$(cat "$dir/$1.pid" 2> /dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2> /dev/null && echo "$pid"
}

start() {
  for program in munged slurmctld slurmd; do
    command -v "$program" > /dev/null || {
      echo "$0: $program is not installed; install the Debian packages slurm-wlm and munge" >&2
      exit 69
    }
  done
  for daemon in "${daemons[@]}"; do
    if pid=$(running "$daemon"); then
      echo "$0: $daemon already runs from $dir (process $pid); stop it first: $0 stop" >&2
      exit 75
    fi
  done
  # Only its owner may write the folder: munged refuses a key or socket others could replace.
  mkdir -p "$dir"
  chmod 0755 "$dir"
  mkdir -p "$dir/state" "$dir/spool"
  local node user
  node=$(hostname -s)
  user=$(id -un)
  if [ ! -s "$dir/munge.key" ]; then
    dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 status=none
  fi
  chmod 0400 "$dir/munge.key"
  # The node as slurmd sees it: NodeName=<host> CPUs=... RealMemory=... (its first line).
  local hardware
  hardware=$(slurmd -C | head -1 | sed "s/^NodeName=[^ ]*/NodeName=$node NodeAddr=127.0.0.1/")
  cat > "$dir/slurm.conf" << EOF
# Written by docs/slurm-one-node.sh: a cluster of one node, this machine.
ClusterName=descent
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$user
AuthType=auth/munge
AuthInfo=socket=$dir/munge.socket
CryptoType=crypto/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
$hardware State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF=$dir/slurm.conf
  munged --force --socket="$dir/munge.socket" --key-file="$dir/munge.key" \
    --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munged.seed"
  # -c: a cluster of its own, without the jobs of an earlier start.
  slurmctld -c
  slurmd -N "$node"
  # Wait (at most 30 s) for the node to take jobs.
  local state=""
  for _ in $(seq 60); do
    state=$(sinfo --noheader --nodes="$node" --format=%t 2> /dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.5
  done
  if [ "$state" != idle ]; then
    echo "$0: the node is not idle after 30 s (state: ${state:-unknown}); the logs:" >&2
    tail -n 20 "$dir"/*.log >&2 || true
    stop
    exit 1
  fi
  echo "a Slurm cluster of one node ($hardware) runs from $dir;"
  echo "submit to it after: export SLURM_CONF=$dir/slurm.conf"
}

stop() {
  local pids=()
  for daemon in "${daemons[@]}"; do
    if pid=$(running "$daemon"); then
      kill "$pid"
      pids+=("$pid")
    fi
  done
  # Each daemon exits within seconds of SIGTERM; then SIGKILL.
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do
      kill -0 "$pid" 2> /dev/null || break
      sleep 0.2
    done
    kill -0 "$pid" 2> /dev/null && kill -9 "$pid" 2> /dev/null || true
  done
  echo "stopped ${#pids[@]} Slurm daemon(s) of $dir"
}

status() {
  for daemon in "${daemons[@]}"; do
    if pid=$(running "$daemon"); then
      echo "$daemon: process $pid"
    else
      echo "$daemon: not running"
    fi
  done
}

[ $# -eq 1 ] || usage
case "$1" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) usage ;;
esac
