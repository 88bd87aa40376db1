"""OpenBLAS single-threaded sgemm on the matrix-product shapes `descent bench` measures.

The reference for docs/performance.md, not part of Descent. Run with one thread:
    OPENBLAS_NUM_THREADS=1 python3 bench/openblas_shapes.py
Each shape is C = op(A) op(B) in float32 with the same transposes as Descent's dense layers
(weights stored [in, units]): forward X Wt (NN), weight gradient X^T dY (TN), input gradient
dY Wt^T (NT); then the per-image products of W3's two convolutions as Descent's Conv2d makes
them over unfolded patches: forward W cols (NN), weight gradient dY cols^T (NT), patch gradient
W^T dY (TN). Prints the median GFLOP/s of 9 timings.
"""
import time
import numpy as np

def shapes(batch):
    for inputs, units in [(64, 128), (128, 10), (784, 256), (256, 128)]:
        name = f"{inputs}->{units} batch {batch}"
        yield batch, units, inputs, False, False, name + " forward"
        yield inputs, units, batch, True, False, name + " weight gradient"
        yield batch, inputs, units, False, True, name + " input gradient"

def convolutions():
    for name, positions, patch, outputs in [("conv 1->32 3x3 28x28", 784, 9, 32),
                                            ("conv 32->64 3x3 14x14", 196, 288, 64)]:
        yield outputs, positions, patch, False, False, name + " forward"
        yield outputs, patch, positions, False, True, name + " weight gradient"
        yield patch, positions, outputs, True, False, name + " input gradient"

def gflops(m, n, k, ta, tb):
    rng = np.random.default_rng(1)
    a = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(np.float32)
    c = np.empty((m, n), dtype=np.float32)
    opa = a.T if ta else a
    opb = b.T if tb else b
    flops = 2.0 * m * n * k
    products = max(1, int(4e7 / flops))
    rates = []
    for _ in range(9):
        start = time.perf_counter()
        for _ in range(products):
            np.matmul(opa, opb, out=c)
        rates.append(flops * products / (time.perf_counter() - start) / 1e9)
    return sorted(rates)[len(rates) // 2]

if __name__ == "__main__":
    print("shape (m x n x k, op)  GFLOP/s  role")
    every = [s for batch in (32, 128) for s in shapes(batch)] + list(convolutions())
    for m, n, k, ta, tb, role in every:
        op = ("T" if ta else "N") + ("T" if tb else "N")
        print(f"{f'{m}x{n}x{k} {op}':<20}  {gflops(m, n, k, ta, tb):7.1f}  {role}")
