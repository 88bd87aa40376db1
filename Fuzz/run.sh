#!/usr/bin/env bash
# Builds a libFuzzer target for one of Descent's readers of untrusted files and runs it.
#
#   Fuzz/run.sh TARGET SECONDS      TARGET: experiment, csv or idx
#
# The targets are built with -sanitize=fuzzer,address in .build-fuzz, a scratch folder of their
# own. The corpus grows in .build-fuzz/corpus/TARGET from one run to the next; the seeds are the
# shipped experiments and data, Fuzz/seeds/TARGET, and every input that ever crashed
# (Tests/DescentTests/Fixtures/fuzz/TARGET). A crashing input is written to
# .build-fuzz/artifacts/TARGET/; the script exits with libFuzzer's status. See docs/fuzzing.md.
set -euo pipefail

if [[ $# -ne 2 || ! $2 =~ ^[0-9]+$ ]]; then
  echo "usage: Fuzz/run.sh experiment|csv|idx SECONDS" >&2
  exit 64
fi
target=$1
seconds=$2
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=$root/.build-fuzz
case $target in
  experiment) product=FuzzExperiment ;;
  csv) product=FuzzCSV ;;
  idx) product=FuzzIDX ;;
  *) echo "Fuzz/run.sh: unknown target '$target'; expected experiment, csv or idx" >&2; exit 64 ;;
esac

# SwiftPM's --sanitize flags make it link libFuzzer's main; its compile commands pass them one by
# one, of which swiftc keeps only the last, so -Xswiftc repeats them together.
(cd "$root/Fuzz" && swift build -c release --product "$product" --scratch-path "$scratch" \
  --sanitize=fuzzer --sanitize=address \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)

seeds=$scratch/seeds/$target
corpus=$scratch/corpus/$target
artifacts=$scratch/artifacts/$target
rm -rf "$seeds"
mkdir -p "$seeds" "$corpus" "$artifacts"
cp "$root/Fuzz/seeds/$target"/* "$seeds/"
fixtures=$root/Tests/DescentTests/Fixtures/fuzz/$target
# The fixtures' NAME.expected files are the messages the tests check, not inputs.
if [[ -d $fixtures ]]; then
  find "$fixtures" -maxdepth 1 -type f ! -name '*.expected' -exec cp {} "$seeds/" \;
fi
options=()
case $target in
  experiment)
    cp "$root"/experiments/*.yaml "$seeds/"
    options+=(-dict="$root/Fuzz/experiment.dict")
    ;;
  csv) cp "$root"/experiments/data/*.csv "$seeds/" ;;
esac

# Each input is written to a file before it is read: a folder in memory where there is one.
if [[ -w /dev/shm ]]; then tmp=/dev/shm/descent-fuzz-$$; else tmp=$scratch/tmp-$$; fi
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

# The declarations of the experiment file are global constants that LeakSanitizer takes for leaks
# (docs/sanitizers.md); the suppressions of the sanitizer tests name them.
export LSAN_OPTIONS=suppressions=$root/.ci/lsan-suppressions.txt:print_suppressions=0

# An input that takes 10 s is a hang; one that allocates 2 GB at once, a crash. Standard input is
# closed so that a path such as /dev/stdin in an input cannot wait on the terminal.
TMPDIR=$tmp "$scratch/release/$product" "$corpus" "$seeds" "${options[@]}" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$artifacts/" </dev/null
