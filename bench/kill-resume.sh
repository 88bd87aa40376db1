#!/usr/bin/env bash
# Kills one long run with SIGKILL at 20 moments spread over its length, resuming after each, and
# checks that it ends bit for bit as a run that never stopped (docs/performance.md,
# "Checkpoints"). Usage: bench/kill-resume.sh [EXPERIMENT] (default: experiments/fashion-mnist.yaml
# for EPOCHS=30 epochs, a checkpoint after every epoch).
set -euo pipefail
cd "$(dirname "$0")/.."
descent=.build/release/descent
[ -x "$descent" ] || swift build -c release --product descent
file=${1:-experiments/fashion-mnist.yaml}
settings=(--set training.epochs=${EPOCHS:-30} --set 'training.checkpoint={every: 1}' --set training.save_weights=true)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

start=$(date +%s.%N)
"$descent" run "$file" "${settings[@]}" --out "$work/reference" --quiet
duration=$(echo "$(date +%s.%N) - $start" | bc)
echo "uninterrupted: $duration s"
epochs=${EPOCHS:-30}
epoch=$(echo "scale=3; $duration / $epochs" | bc)

# Each attempt waits for the run to write a new checkpoint, then is killed a pseudo-random
# fraction of an epoch later: every attempt makes progress, and the kills land anywhere in an
# epoch, now and then while a checkpoint is being written.
start=$(date +%s.%N)
seed=12345
checkpoint=""
for attempt in $(seq 1 20); do
  seed=$(( (seed * 1103515245 + 12345) % 2147483648 ))
  delay=$(echo "scale=3; $epoch * $seed / 2147483648" | bc)
  before=$(stat -c %i "$work"/killed/*/runs/*/checkpoint.bin 2> /dev/null | head -1 || true)
  "$descent" run "$file" "${settings[@]}" --out "$work/killed" > /dev/null 2> "$work/err" &
  pid=$!
  while kill -0 "$pid" 2> /dev/null; do
    now=$(stat -c %i "$work"/killed/*/runs/*/checkpoint.bin 2> /dev/null | head -1 || true)
    [ -n "$now" ] && [ "$now" != "$before" ] && break
    sleep 0.01
  done
  sleep "$delay"
  kill -9 "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  if grep -q "runs already complete" "$work/err"; then
    echo "attempt $attempt: the run was already complete"
  else
    echo "attempt $attempt: killed $delay s after a checkpoint; $(grep -o 'resumes from its checkpoint after epoch [0-9]*' "$work/err" || echo 'started from the beginning')"
  fi
done
"$descent" run "$file" "${settings[@]}" --out "$work/killed" > /dev/null 2> "$work/err"
grep -o 'resumes from its checkpoint after epoch [0-9]*' "$work/err" || true
total=$(echo "$(date +%s.%N) - $start" | bc)
echo "killed 20 times and finished: $total s in all"

name=$(basename "$(ls -d "$work"/reference/*/)")
status=0
for run in "$work/reference/$name"/runs/*/; do
  id=$(basename "$run")
  for f in curve.csv weights.safetensors; do
    if [ "$f" = curve.csv ]; then
      cmp <(cut -d, -f1-8 "$run/$f") <(cut -d, -f1-8 "$work/killed/$name/runs/$id/$f") || status=1
    else
      cmp "$run/$f" "$work/killed/$name/runs/$id/$f" || status=1
    fi
  done
done
[ $status = 0 ] && echo "identical: curve.csv (timing aside) and weights.safetensors" || echo "DIFFERENT"
exit $status
