#!/usr/bin/env bash
# Times Descent against the PyTorch reference on the workloads of docs/performance.md, side by
# side in one session, and prints the medians and ratios.
#
#   bash bench/run.sh [REPEATS]        (default 5)
#
# Needs: a release build (swift build -c release), python3 with torch and numpy
# (pip install torch numpy) for the reference side, and for W2 the Debian package
# dataset-fashion-mnist. Nothing of Descent itself depends on Python.
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-5}
descent=${DESCENT:-.build/release/descent}
reference=${TORCH_REFERENCE:-../shared/bench/torch_reference.py}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Prints "<median wall seconds> <median peak KB>" of REPEATS runs of a command.
measure() {
  local walls=() peaks=()
  for _ in $(seq "$repeats"); do
    /usr/bin/time -f "%e %M" -o "$out/time" "$@" > /dev/null 2>&1
    read -r wall peak < "$out/time"
    walls+=("$wall"); peaks+=("$peak")
  done
  local mid=$(( (repeats + 1) / 2 ))
  echo "$(printf '%s\n' "${walls[@]}" | sort -g | sed -n "${mid}p")" \
       "$(printf '%s\n' "${peaks[@]}" | sort -g | sed -n "${mid}p")"
}

ratio() { python3 -c "print(f'{$1 / $2:.3f}')"; }

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; kernel $("$descent" bench --batch 1 --repetitions 1 | head -1 | sed 's/.*: //')"
echo "repeats: $repeats (medians)"

echo
echo "W1: digits sweep, 24 runs"
read -r d1 dm1 < <(measure "$descent" run bench/w1-digits.yaml --jobs 1 --fresh --quiet --out "$out/w1")
read -r d2 dm2 < <(measure "$descent" run bench/w1-digits.yaml --jobs 2 --fresh --quiet --out "$out/w1")
read -r t2 tm2 < <(measure python3 "$reference" w1-par)
echo "  descent --jobs 1         ${d1} s  ${dm1} KB"
echo "  descent --jobs 2         ${d2} s  ${dm2} KB"
echo "  pytorch 2 processes      ${t2} s  ${tm2} KB"
echo "  descent / pytorch        $(ratio "$d2" "$t2")"
echo "  jobs 1 / jobs 2          $(ratio "$d1" "$d2")"

if [ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  echo
  echo "W2: Fashion-MNIST, 5 epochs, one thread"
  read -r d3 dm3 < <(measure "$descent" run experiments/fashion-mnist.yaml --jobs 1 --fresh --quiet --out "$out/w2")
  read -r t3 tm3 < <(measure env THREADS=1 OMP_NUM_THREADS=1 python3 "$reference" w2)
  "$descent" run experiments/fashion-mnist.yaml --jobs 1 --fresh --quiet --out "$out/w2"
  accuracy=$(python3 -c "import csv; r = next(csv.DictReader(open('$out/w2/fashion-mnist/summary.csv'))); print(r['test_accuracy'])")
  echo "  descent                  ${d3} s  ${dm3} KB  test accuracy ${accuracy}"
  echo "  pytorch 1 thread         ${t3} s  ${tm3} KB"
  echo "  descent / pytorch        $(ratio "$d3" "$t3")"
fi

if [ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then
  echo
  echo "W3: Fashion-MNIST CNN, one epoch (experiments/fashion-mnist-cnn.yaml at W3's settings)"
  w3=(--set training.epochs=1 --set schedule=constant --fresh --quiet)
  read -r c1 cm1 < <(measure "$descent" run experiments/fashion-mnist-cnn.yaml --jobs 1 "${w3[@]}" --out "$out/w3")
  read -r c2 cm2 < <(measure "$descent" run experiments/fashion-mnist-cnn.yaml --jobs 2 "${w3[@]}" --out "$out/w3")
  accuracy=$(python3 -c "import csv; r = next(csv.DictReader(open('$out/w3/fashion-mnist-cnn/summary.csv'))); print(r['test_accuracy'])")
  read -r p1 pm1 < <(measure env THREADS=1 OMP_NUM_THREADS=1 python3 "$reference" w3)
  read -r p2 pm2 < <(measure env THREADS=2 OMP_NUM_THREADS=2 python3 "$reference" w3)
  echo "  descent 1 thread         ${c1} s  ${cm1} KB  test accuracy ${accuracy}"
  echo "  descent 2 threads        ${c2} s  ${cm2} KB"
  echo "  pytorch 1 thread         ${p1} s  ${pm1} KB"
  echo "  pytorch 2 threads        ${p2} s  ${pm2} KB"
  echo "  descent / pytorch        $(ratio "$c1" "$p1") (1 thread), $(ratio "$c2" "$p2") (2 threads)"
fi

# W3-bn and W3-res: the normalization and residual workloads, once each (they take minutes);
# BENCH_NORM=0 leaves them out.
if [ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] && [ "${BENCH_NORM:-1}" != 0 ]; then
  for workload in w3-bn w3-res; do
    echo
    echo "${workload}: bench/${workload}.yaml, one epoch"
    read -r n1 nm1 < <(repeats=1 measure "$descent" run "bench/${workload}.yaml" --jobs 1 --fresh --quiet --out "$out/$workload")
    accuracy=$(python3 -c "import csv; r = next(csv.DictReader(open('$out/$workload/$workload/summary.csv'))); print(r['test_accuracy'])")
    read -r n2 nm2 < <(repeats=1 measure "$descent" run "bench/${workload}.yaml" --jobs 2 --fresh --quiet --out "$out/$workload")
    read -r q1 qm1 < <(repeats=1 measure env THREADS=1 OMP_NUM_THREADS=1 python3 "$reference" "$workload")
    read -r q2 qm2 < <(repeats=1 measure env THREADS=2 OMP_NUM_THREADS=2 python3 "$reference" "$workload")
    echo "  descent 1 thread         ${n1} s  ${nm1} KB  test accuracy ${accuracy}"
    echo "  descent 2 threads        ${n2} s  ${nm2} KB"
    echo "  pytorch 1 thread         ${q1} s  ${qm1} KB"
    echo "  pytorch 2 threads        ${q2} s  ${qm2} KB"
    echo "  descent / pytorch        $(ratio "$n1" "$q1") (1 thread), $(ratio "$n2" "$q2") (2 threads)"
  done
fi

echo
echo "Matrix products (GFLOP/s, one thread): descent, then OpenBLAS"
"$descent" bench --repetitions 9 | tail -n +3 > "$out/descent.txt"
OPENBLAS_NUM_THREADS=1 python3 bench/openblas_shapes.py | tail -n +2 > "$out/openblas.txt"
paste "$out/descent.txt" "$out/openblas.txt" | awk -F'\t' '{
  split($1, d, "  +"); split($2, o, "  +");
  printf "  %-20s %7.1f %7.1f  %4.0f%%  %s\n", d[1], d[2], o[2], 100 * d[2] / o[2], d[3] }'
