#!/usr/bin/env bash
# What a sweep costs beyond training, as it grows: a random search of one-epoch iris runs
# (bench/sweep-scale.yaml) of 1000, 5000 and 10,000 runs with --jobs 2, and for each
#   wall       the whole descent run, from nothing
#   training   the runs' own training time (the seconds of each result.json), summed
#   overhead   per run: (wall - training / jobs) / runs, what planning, writing each run's
#              files, the manifest, summary.csv and the report cost beyond training
#   peak       the run's peak resident memory (/usr/bin/time %M)
#   resume     the same descent run again on the complete folder: nothing to train
#   report     descent report on the complete folder
# The table is in docs/performance.md ("Large sweeps").
#
#   bash bench/sweep-scale.sh [RUNS...]        (default 1000 5000 10000)
#
# Needs a release build (swift build -c release --product descent) and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
descent=${DESCENT:-.build/release/descent}
jobs=${JOBS:-2}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 5000 10000)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Runs a command; sets wall (s) and peak (MB).
measure() {
  /usr/bin/time -f "%e %M" -o "$out/time" "$@" > /dev/null 2> "$out/stderr" || {
    cat "$out/stderr" >&2
    exit 1
  }
  read -r wall peak < "$out/time"
  peak=$(awk -v k="$peak" 'BEGIN { printf "%.0f", k / 1024 }')
}

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; --jobs $jobs"
printf '%7s %8s %9s %13s %8s %9s %8s %9s %8s\n' runs wall training "overhead/run" peak \
  resume peak report peak
for runs in "${sizes[@]}"; do
  command=("$descent" run bench/sweep-scale.yaml --set "sweep.random.samples=$runs"
    --max-runs "$runs" --jobs "$jobs" --quiet --out "$out/results")
  measure "${command[@]}" --fresh
  run_wall=$wall run_peak=$peak
  folder=$out/results/sweep-scale
  training=$(find "$folder/runs" -name result.json -print0 | xargs -0 grep -h '^  "seconds" : ' \
    | awk '{ sum += $3 } END { printf "%.3f", sum }')
  overhead=$(awk -v w="$run_wall" -v t="$training" -v j="$jobs" -v n="$runs" \
    'BEGIN { printf "%.3f ms", (w - t / j) / n * 1000 }')
  measure "${command[@]}"
  resume_wall=$wall resume_peak=$peak
  measure "$descent" report "$folder"
  printf '%7s %7ss %8ss %13s %6sMB %8ss %6sMB %8ss %6sMB\n' "$runs" "$run_wall" "$training" \
    "$overhead" "$run_peak" "$resume_wall" "$resume_peak" "$wall" "$peak"
done
