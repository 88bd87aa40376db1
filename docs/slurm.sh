#!/usr/bin/env bash
# Trains one experiment's sweep as a Slurm job array of 4 shards, then merges the shards in a
# job that starts once every shard has succeeded. See docs/beyond-one-machine.md.
#
# From the repository, with descent built (swift build -c release --product descent):
#
#   bash docs/slurm.sh                                   # queues the shards and the merge
#   EXPERIMENT=experiments/iris.yaml bash docs/slurm.sh  # another experiment
#   CPUS_PER_TASK=8 bash docs/slurm.sh                   # 8 cores for each shard
#
# Results: shards/<K>/<name>/ for each shard, then results/<name>/ and results/junit.xml.
#
# CPUS_PER_TASK (default 1) is each shard's --cpus-per-task, and the runs it trains at once
# (--jobs). A task is only scheduled on a node with at least that many CPUs, so 1 schedules
# anywhere; on nodes of C cores, C/4 lets the 4 shards share one node, C gives each a node.
#
#SBATCH --job-name=descent-shard
#SBATCH --array=1-4
#SBATCH --time=01:00:00
#SBATCH --output=slurm-%x-%A_%a.out
set -euo pipefail

EXPERIMENT=${EXPERIMENT:-experiments/sgd-vs-momentum.yaml}
# The results folder's name: the file's `name:`, which defaults to the file name.
NAME=${NAME:-$(basename "$EXPERIMENT" .yaml)}
DESCENT=${DESCENT:-$PWD/.build/release/descent}
CPUS_PER_TASK=${CPUS_PER_TASK:-1}
export EXPERIMENT NAME DESCENT CPUS_PER_TASK

if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then
  # Run by hand: queue this script as the array of shards, then the merge, which waits for all
  # of them (afterok on an array waits for every task) and checks the expectations.
  array=$(sbatch --parsable --cpus-per-task="$CPUS_PER_TASK" "$0")
  merge=$(sbatch --parsable --dependency=afterok:"$array" --job-name=descent-merge \
    --cpus-per-task=1 --output=slurm-%x-%j.out \
    --wrap="$DESCENT merge 'shards/*/$NAME' --out results --junit results/junit.xml")
  echo "queued the shards as job $array and the merge as job $merge"
  exit 0
fi

# One task of the array: --shard auto takes K of N from SLURM_ARRAY_TASK_ID and the array's
# size; shard K of N trains the runs whose sweep index i has i % N == K - 1.
"$DESCENT" run "$EXPERIMENT" --shard auto --out "shards/$SLURM_ARRAY_TASK_ID" \
  --jobs "${SLURM_CPUS_PER_TASK:-1}" --quiet
