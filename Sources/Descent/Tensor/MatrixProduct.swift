/// The one matrix product of the engine: every dense layer calls it for its forward pass, its
/// weight gradient and its input gradient.
///
/// All matrices are row-major and contiguous. `op(A)` is `m x k` and `op(B)` is `k x n`; a
/// transposed operand is stored the other way round (`A` as `k x m`, `B` as `n x k`).
///
/// Every element of `C` accumulates its `k` products in increasing `k` order, one multiply and
/// one add at a time, whatever the vector width the compiler picks for the loop over columns:
/// the result is the same bits on every x86-64 and ARM64 machine.
public enum MatrixProduct {
  /// Computes `C = op(A) * op(B)`, or `C += op(A) * op(B)` when `accumulate` is true.
  ///
  /// - Parameters:
  ///   - workspace: scratch space of at least `k * n` elements, used when `B` is transposed.
  /// - Complexity: O(m * n * k).
  @inline(__always)
  public static func multiply<T: Scalar>(
    _ a: UnsafePointer<T>, transposed transposeA: Bool,
    _ b: UnsafePointer<T>, transposed transposeB: Bool,
    into c: UnsafeMutablePointer<T>, m: Int, n: Int, k: Int,
    accumulate: Bool = false, workspace: UnsafeMutablePointer<T>
  ) {
    var b = b
    if transposeB {
      // Lay B out as k x n so that the inner loop runs along contiguous rows of B and C.
      transpose(b, rows: n, columns: k, into: workspace)
      b = UnsafePointer(workspace)
    }
    if !accumulate { c.update(repeating: 0, count: m * n) }
    if transposeA {
      // A is stored k x m: walk it row by row, adding A[p, i] * B[p, :] to C[i, :].
      for p in 0..<k {
        let bRow = b + p * n
        for i in 0..<m {
          let aip = a[p * m + i]
          let cRow = c + i * n
          for j in 0..<n { cRow[j] += aip * bRow[j] }
        }
      }
    } else {
      for i in 0..<m {
        let cRow = c + i * n
        let aRow = a + i * k
        for p in 0..<k {
          let aip = aRow[p]
          let bRow = b + p * n
          for j in 0..<n { cRow[j] += aip * bRow[j] }
        }
      }
    }
  }

  /// Writes the transpose of the `rows x columns` matrix `source` into `destination`.
  @inline(__always)
  static func transpose<T>(
    _ source: UnsafePointer<T>, rows: Int, columns: Int, into destination: UnsafeMutablePointer<T>
  ) {
    let tile = 16
    for i0 in stride(from: 0, to: rows, by: tile) {
      for j0 in stride(from: 0, to: columns, by: tile) {
        for i in i0..<min(i0 + tile, rows) {
          for j in j0..<min(j0 + tile, columns) {
            destination[j * rows + i] = source[i * columns + j]
          }
        }
      }
    }
  }
}
