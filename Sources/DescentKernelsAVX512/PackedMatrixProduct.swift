// The single-precision matrix product behind every dense layer. This one source is compiled
// twice, for AVX-512 (DescentKernelsAVX512) and for AVX2 with FMA (DescentKernelsAVX2; the file
// there is a link to this one); Descent picks the build the CPU supports when it starts.
//
// Every element of C is `fma(a[k-1], b[k-1], ... fma(a[0], b[0], c0))`: one fused multiply-add
// per k, in increasing k order, whatever the vector width. Both builds and the portable loop in
// Descent's MatrixProduct therefore compute the same bits.

/// Rows of A per micro-kernel tile.
public let tileRows = 6
/// Columns of B per micro-kernel tile: two 16-float vectors.
public let tileColumns = 32
/// Columns of the narrow tile used for a last panel of at most 16 columns.
let halfTileColumns = 16

/// Scratch floats `packedProduct` needs for an `m x n x k` product.
public func packedProductWorkspace(m: Int, n: Int, k: Int) -> Int {
  let panels = (n + tileColumns - 1) / tileColumns
  return panels * tileColumns * k + tileRows * k + tileRows * tileColumns
}

/// `C (+)= op(A) op(B)` for row-major contiguous matrices; `op(A)` is `m x k`, `op(B)` is
/// `k x n`, a transposed operand is stored the other way round.
///
/// B is packed once into panels of 32 columns, A into panels of 6 rows, zero-padded at the
/// edges; a 6x32 register-blocked micro-kernel then computes each tile of C.
public func packedProduct(
  _ a: UnsafePointer<Float>, _ transposeA: Bool, _ b: UnsafePointer<Float>, _ transposeB: Bool,
  _ c: UnsafeMutablePointer<Float>, _ m: Int, _ n: Int, _ k: Int, _ accumulate: Bool,
  _ workspace: UnsafeMutablePointer<Float>
) {
  if !accumulate { c.update(repeating: 0, count: m * n) }
  guard k > 0 else { return }
  let panels = (n + tileColumns - 1) / tileColumns
  let packedB = workspace
  let packedA = workspace + panels * tileColumns * k
  let edge = packedA + tileRows * k
  packB(b, transposeB, n: n, k: k, into: packedB)
  for row in stride(from: 0, to: m, by: tileRows) {
    let rows = min(tileRows, m - row)
    packA(a, transposeA, m: m, k: k, row: row, rows: rows, into: packedA)
    for panel in 0..<panels {
      let column = panel * tileColumns
      let columns = min(tileColumns, n - column)
      let panelB = packedB + panel * tileColumns * k
      let tile = c + row * n + column
      if rows == tileRows && columns == tileColumns {
        microKernel(packedA, panelB, tile, n, k)
      } else if columns <= halfTileColumns {
        // A narrow last panel (an output layer of 10 classes, say): half the work of a full
        // tile. The padded panel's first 16 columns are all there is.
        for i in 0..<tileRows {
          for j in 0..<halfTileColumns {
            edge[i * halfTileColumns + j] = i < rows && j < columns ? tile[i * n + j] : 0
          }
        }
        narrowMicroKernel(packedA, panelB, edge, halfTileColumns, k)
        for i in 0..<rows {
          (tile + i * n).update(from: edge + i * halfTileColumns, count: columns)
        }
      } else {
        // An edge tile: compute a full tile in scratch, then copy the part that exists.
        for i in 0..<tileRows {
          for j in 0..<tileColumns {
            edge[i * tileColumns + j] = i < rows && j < columns ? tile[i * n + j] : 0
          }
        }
        microKernel(packedA, panelB, edge, tileColumns, k)
        for i in 0..<rows {
          (tile + i * n).update(from: edge + i * tileColumns, count: columns)
        }
      }
    }
  }
}

/// Packs `op(B)` as consecutive panels of 32 columns, each `k` rows of 32 floats.
@inline(__always)
private func packB(
  _ b: UnsafePointer<Float>, _ transposed: Bool, n: Int, k: Int,
  into packed: UnsafeMutablePointer<Float>
) {
  var out = packed
  for column in stride(from: 0, to: n, by: tileColumns) {
    let columns = min(tileColumns, n - column)
    if transposed {
      // B is stored n x k: column j of op(B) is row j of b.
      for p in 0..<k {
        for j in 0..<columns { out[p * tileColumns + j] = b[(column + j) * k + p] }
        for j in columns..<tileColumns { out[p * tileColumns + j] = 0 }
      }
    } else {
      for p in 0..<k {
        let source = b + p * n + column
        for j in 0..<columns { out[p * tileColumns + j] = source[j] }
        for j in columns..<tileColumns { out[p * tileColumns + j] = 0 }
      }
    }
    out += tileColumns * k
  }
}

/// Packs rows `row..<row + rows` of `op(A)` as `k` groups of 6 floats.
@inline(__always)
private func packA(
  _ a: UnsafePointer<Float>, _ transposed: Bool, m: Int, k: Int, row: Int, rows: Int,
  into packed: UnsafeMutablePointer<Float>
) {
  if transposed {
    // A is stored k x m: row p of a holds column p of op(A).
    for p in 0..<k {
      let source = a + p * m + row
      for i in 0..<rows { packed[p * tileRows + i] = source[i] }
      for i in rows..<tileRows { packed[p * tileRows + i] = 0 }
    }
  } else {
    for i in 0..<tileRows {
      if i < rows {
        let source = a + (row + i) * k
        for p in 0..<k { packed[p * tileRows + i] = source[p] }
      } else {
        for p in 0..<k { packed[p * tileRows + i] = 0 }
      }
    }
  }
}

/// `C[6 x 32] += A[6 x k] B[k x 32]` with twelve 16-float accumulators held in registers.
@inline(__always)
private func microKernel(
  _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
  _ ldc: Int, _ k: Int
) {
  typealias Vector = SIMD16<Float>
  @inline(__always) func load(_ p: UnsafePointer<Float>) -> Vector {
    UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
  }
  @inline(__always) func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
  }
  let c0 = c
  let c1 = c + ldc
  let c2 = c + 2 * ldc
  let c3 = c + 3 * ldc
  let c4 = c + 4 * ldc
  let c5 = c + 5 * ldc
  var r00 = load(c0), r01 = load(c0 + 16)
  var r10 = load(c1), r11 = load(c1 + 16)
  var r20 = load(c2), r21 = load(c2 + 16)
  var r30 = load(c3), r31 = load(c3 + 16)
  var r40 = load(c4), r41 = load(c4 + 16)
  var r50 = load(c5), r51 = load(c5 + 16)
  var pa = a
  var pb = b
  for _ in 0..<k {
    let b0 = load(pb)
    let b1 = load(pb + 16)
    var x = Vector(repeating: pa[0])
    r00.addProduct(x, b0); r01.addProduct(x, b1)
    x = Vector(repeating: pa[1])
    r10.addProduct(x, b0); r11.addProduct(x, b1)
    x = Vector(repeating: pa[2])
    r20.addProduct(x, b0); r21.addProduct(x, b1)
    x = Vector(repeating: pa[3])
    r30.addProduct(x, b0); r31.addProduct(x, b1)
    x = Vector(repeating: pa[4])
    r40.addProduct(x, b0); r41.addProduct(x, b1)
    x = Vector(repeating: pa[5])
    r50.addProduct(x, b0); r51.addProduct(x, b1)
    pa += tileRows
    pb += tileColumns
  }
  store(r00, c0); store(r01, c0 + 16)
  store(r10, c1); store(r11, c1 + 16)
  store(r20, c2); store(r21, c2 + 16)
  store(r30, c3); store(r31, c3 + 16)
  store(r40, c4); store(r41, c4 + 16)
  store(r50, c5); store(r51, c5 + 16)
}

/// `C[6 x 16] += A[6 x k] B[k x 16]`, reading the first 16 columns of a packed 32-column panel.
@inline(__always)
private func narrowMicroKernel(
  _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
  _ ldc: Int, _ k: Int
) {
  typealias Vector = SIMD16<Float>
  @inline(__always) func load(_ p: UnsafePointer<Float>) -> Vector {
    UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
  }
  @inline(__always) func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
  }
  var r0 = load(c)
  var r1 = load(c + ldc)
  var r2 = load(c + 2 * ldc)
  var r3 = load(c + 3 * ldc)
  var r4 = load(c + 4 * ldc)
  var r5 = load(c + 5 * ldc)
  var pa = a
  var pb = b
  for _ in 0..<k {
    let b0 = load(pb)
    r0.addProduct(Vector(repeating: pa[0]), b0)
    r1.addProduct(Vector(repeating: pa[1]), b0)
    r2.addProduct(Vector(repeating: pa[2]), b0)
    r3.addProduct(Vector(repeating: pa[3]), b0)
    r4.addProduct(Vector(repeating: pa[4]), b0)
    r5.addProduct(Vector(repeating: pa[5]), b0)
    pa += tileRows
    pb += tileColumns
  }
  store(r0, c)
  store(r1, c + ldc)
  store(r2, c + 2 * ldc)
  store(r3, c + 3 * ldc)
  store(r4, c + 4 * ldc)
  store(r5, c + 5 * ldc)
}
