#!/usr/bin/env bash
# Trains one experiment's sweep as a Slurm job array of 4 shards, then merges the shards in a
# job that starts once every shard has succeeded. See docs/beyond-one-machine.md.
#
# From the repository, with descent built (swift build -c release --product descent):
#
#   bash docs/slurm.sh                                   # queues the shards and the merge
#   EXPERIMENT=experiments/iris.yaml bash docs/slurm.sh  # another experiment
#
# Results: shards/<K>/<name>/ for each shard, then results/<name>/ and results/junit.xml.
#
#SBATCH --job-name=descent-shard
#SBATCH --array=1-4
#SBATCH --cpus-per-task=8
#SBATCH --time=01:00:00
#SBATCH --output=slurm-%x-%A_%a.out
set -euo pipefail

SHARDS=4   # the number of tasks in --array above
EXPERIMENT=${EXPERIMENT:-experiments/sgd-vs-momentum.yaml}
# The results folder's name: the file's `name:`, which defaults to the file name.
NAME=${NAME:-$(basename "$EXPERIMENT" .yaml)}
DESCENT=${DESCENT:-$PWD/.build/release/descent}
export EXPERIMENT NAME DESCENT

if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then
  # Run by hand: queue this script as the array of shards, then the merge, which waits for all
  # of them (afterok on an array waits for every task) and checks the expectations.
  array=$(sbatch --parsable "$0")
  sbatch --dependency=afterok:"$array" --job-name=descent-merge --cpus-per-task=1 \
    --output=slurm-%x-%j.out \
    --wrap="$DESCENT merge shards/*/$NAME --out results --junit results/junit.xml"
  echo "queued shards as job $array and the merge after them"
  exit 0
fi

# One task of the array: shard K of N trains the runs whose sweep index i has i % N == K - 1.
"$DESCENT" run "$EXPERIMENT" --shard "$SLURM_ARRAY_TASK_ID/$SHARDS" \
  --out "shards/$SLURM_ARRAY_TASK_ID" --jobs "${SLURM_CPUS_PER_TASK:-1}" --quiet
