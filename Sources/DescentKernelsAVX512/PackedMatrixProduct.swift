// The single-precision matrix product behind every dense layer. This one source is compiled
// twice, for AVX-512 (DescentKernelsAVX512) and for AVX2 with FMA (DescentKernelsAVX2; the file
// there is a link to this one); Descent picks the build the CPU supports when it starts.
//
// Every element of C is `fma(a[k-1], b[k-1], ... fma(a[0], b[0], c0))`: one fused multiply-add
// per k, in increasing k order, whatever the vector width. Both builds and the portable loop in
// Descent's MatrixProduct therefore compute the same bits.

/// The vector of the build: 16 floats for AVX-512, 8 for AVX2 and for 128-bit NEON, so that a
/// tile's accumulators fit the registers: AVX-512's 32 zmm hold an 8 x 2-vector tile's sixteen,
/// AVX2's 16 ymm (and arm64's 32 q registers, two to a vector) a 6 x 2-vector tile's twelve.
#if DESCENT_VECTOR8
typealias Vector = SIMD8<Float>
/// Rows of A per micro-kernel tile.
public let tileRows = 6
#else
typealias Vector = SIMD16<Float>
/// Rows of A per micro-kernel tile: eight, so that the 32 and 64 output channels of common
/// convolutions, and batches of 128, are whole tiles.
public let tileRows = 8
#endif

/// Rows of the short tile that computes a last row block of at most that many rows: four on
/// the 8-float build, whose six-row tiles leave two rows of 32 or 128; none on AVX-512, whose
/// eight-row tiles divide them.
#if DESCENT_VECTOR8
let shortRows = 4
#else
let shortRows = 0
#endif

/// Rows of A per tile of a narrow last panel: two tiles' worth of one-vector accumulators, so
/// that the rows left to the ordinary tiles start on a tile.
let tallRows = 2 * tileRows
/// Columns of B per micro-kernel tile: two vectors (6x32 on AVX-512, 6x16 on AVX2).
public let tileColumns = 2 * Vector.scalarCount
/// Columns of the narrow tile used for a last panel of at most one vector.
let halfTileColumns = Vector.scalarCount
/// The most values of k per pass over C: a block of B of up to `depthBlock` rows stays in the
/// L2 cache while every row block of A goes over it. k is cut into equal blocks, so that no
/// short last block costs a pass over C of its own. C is stored between blocks and each element
/// still sums over k in increasing order, so the blocking changes no bit.
let depthBlock = 384
/// The largest panel of B that the tiles of a block read in turn, from the L1 cache.
let panelCacheBytes = 32 * 1024
/// The largest block of B that row blocks of A read whole in turn, from the L2 cache.
let blockCacheBytes = 512 * 1024

/// Scratch floats `packedProduct` needs for an `m x n x k` product, with room for the largest
/// tile of any build (8 rows), so that the figure, which memory estimates report, is the same
/// on every machine.
public func packedProductWorkspace(m: Int, n: Int, k: Int) -> Int {
  let panels = (n + 31) / 32
  let rows = 8
  return panels * 32 * k + rows * k + 2 * rows * 32
}

/// A matrix operand as the micro-kernel reads it: element `(i, p)` of a block of A, or `(p, j)`
/// of a panel of B, is at `base + i * rowStride + p * depthStride` (B: `j` in place of `i`).
struct Operand {
  var base: UnsafePointer<Float>
  var rowStride: Int
  var depthStride: Int
}

/// `C (+)= op(A) op(B)` for row-major matrices; `op(A)` is `m x k`, `op(B)` is `k x n`, a
/// transposed operand is stored the other way round. B and C are contiguous; consecutive rows
/// of A (or, transposed, consecutive values of k) are `lda` apart, so that a block of rows of a
/// larger product can be computed on its own.
///
/// A `tileRows` x 2-vector register-blocked micro-kernel computes each tile of C, over blocks of k. It
/// reads A and B where they are whenever a whole tile's rows and columns exist; only a
/// transposed B (whose columns are not contiguous) is packed, into panels of a tile's width,
/// and only edge tiles are copied into zero-padded scratch.
public func packedProduct(
  _ a: UnsafePointer<Float>, _ transposeA: Bool, _ b: UnsafePointer<Float>, _ transposeB: Bool,
  _ c: UnsafeMutablePointer<Float>, _ m: Int, _ n: Int, _ k: Int, _ lda: Int,
  _ accumulate: Bool, _ workspace: UnsafeMutablePointer<Float>
) {
  // op(A)[i, p] is a[i * lda + p], or a[p * lda + i] when A is stored transposed; op(B)[p, j]
  // is b[p * n + j], or b[j * k + p] when B is stored transposed.
  if k == 0 {
    if !accumulate { c.update(repeating: 0, count: m * n) }
    return
  }
  let blocks = (k + depthBlock - 1) / depthBlock
  let blockDepth = (k + blocks - 1) / blocks
  var start = 0
  while start < k {
    let depth = min(blockDepth, k - start)
    // Without `accumulate`, the first block starts its sums at zero instead of reading C.
    productBlock(
      a + (transposeA ? start * lda : start), transposeA, b + (transposeB ? start : start * n),
      transposeB, c, m, n, depth, lda, transposeB ? k : n, accumulate || start > 0, workspace)
    start += depth
  }
}

/// `C += op(A) op(B)` over one block of k of `depth` values, or `C = op(A) op(B)` when
/// `load` is false; `ldb` is the distance between rows of B as stored.
@inline(__always)
private func productBlock(
  _ a: UnsafePointer<Float>, _ transposeA: Bool, _ b: UnsafePointer<Float>, _ transposeB: Bool,
  _ c: UnsafeMutablePointer<Float>, _ m: Int, _ n: Int, _ k: Int, _ lda: Int, _ ldb: Int,
  _ load: Bool, _ workspace: UnsafeMutablePointer<Float>
) {
  let panels = (n + tileColumns - 1) / tileColumns
  let packedB = workspace
  let packedA = workspace + panels * tileColumns * k
  let edge = packedA + tileRows * k  // a tile of C, or a tall one-vector tile
  let lastColumns = n - (panels - 1) * tileColumns
  let lastPanelWidth = !transposeB && lastColumns <= halfTileColumns ? halfTileColumns : tileColumns
  if transposeB {
    packTransposedB(b, n: n, k: k, ldb: ldb, into: packedB)
  } else if lastColumns < tileColumns {
    // The last panel is partial: pad it once, for every row block to read; one vector wide
    // when one holds it.
    let last = Operand(base: b + (panels - 1) * tileColumns, rowStride: 1, depthStride: ldb)
    packB(
      last, columns: lastColumns, width: lastPanelWidth, k: k,
      into: packedB + (panels - 1) * tileColumns * k)
  }
  let aRowStride = transposeA ? 1 : lda
  let aDepthStride = transposeA ? lda : 1
  // A narrow last panel (an output layer of 10 classes, say) is done apart, `tallRows` rows at
  // a time: a one-vector tile has too few independent sums to keep the FMA units busy.
  let narrowLast = lastColumns <= halfTileColumns
  var narrowRows = 0
  if narrowLast {
    let column = (panels - 1) * tileColumns
    let panelB = Operand(
      base: packedB + (panels - 1) * tileColumns * k, rowStride: 1, depthStride: lastPanelWidth)
    while narrowRows + tallRows <= m {
      let blockA = Operand(
        base: a + narrowRows * aRowStride, rowStride: aRowStride, depthStride: aDepthStride)
      let tile = c + narrowRows * n + column
      copyEdge(
        tile, n, rows: tallRows, columns: lastColumns, load, into: edge, width: halfTileColumns)
      tallNarrowMicroKernel(blockA, panelB, edge, halfTileColumns, k)
      copyBack(edge, width: halfTileColumns, rows: tallRows, columns: lastColumns, into: tile, n)
      narrowRows += tallRows
    }
  }
  // A last partial row block is packed once, for every panel to read.
  let fullRows = m / tileRows * tileRows
  if fullRows < m {
    let last = Operand(
      base: a + fullRows * aRowStride, rowStride: aRowStride, depthStride: aDepthStride)
    packA(last, rows: m - fullRows, k: k, into: packedA)
  }
  // Whichever of a panel of B (k x 2 vectors) and a row block of A (tileRows x k) is read again
  // from the L1 cache, the other streams from further out. A panel is the larger: it is the
  // one kept while it fits, the row blocks going over it. A panel too large for L1 is kept
  // all the same when B as a whole is too large for L2, so that B is read from memory once;
  // only a B that L2 holds has a row block go over every panel. The order changes no bit.
  // (One loop for both orders, so that the tile's code, with the micro-kernel, is inlined
  // once.)
  let panelBytes = k * tileColumns * MemoryLayout<Float>.size
  let panelsOuter = panelBytes <= panelCacheBytes || panels * panelBytes > blockCacheBytes
  var row = 0
  var panel = 0
  while row < m && panel < panels {
    // A narrow last panel's first rows are done above.
    if !(narrowLast && panel == panels - 1 && row < narrowRows) {
      let rows = min(tileRows, m - row)
      let column = panel * tileColumns
      let columns = min(tileColumns, n - column)
      let panelB =
        transposeB || columns < tileColumns
        ? Operand(
          base: packedB + panel * tileColumns * k, rowStride: 1,
          depthStride: panel == panels - 1 ? lastPanelWidth : tileColumns)
        : Operand(base: b + column, rowStride: 1, depthStride: ldb)
      let blockA =
        rows < tileRows
        ? Operand(base: packedA, rowStride: 1, depthStride: tileRows)
        : Operand(base: a + row * aRowStride, rowStride: aRowStride, depthStride: aDepthStride)
      let tile = c + row * n + column
      if rows == tileRows && columns == tileColumns {
        microKernel(blockA, panelB, tile, n, k, load)
      } else if columns <= halfTileColumns {
        // A narrow last panel (an output layer of 10 classes, say): half the work of a full
        // tile, on the padded panel's first vector.
        copyEdge(tile, n, rows: rows, columns: columns, load, into: edge, width: halfTileColumns)
        narrowMicroKernel(blockA, panelB, edge, halfTileColumns, k)
        copyBack(edge, width: halfTileColumns, rows: rows, columns: columns, into: tile, n)
      } else if shortRows > 0 && rows <= shortRows {
        // A last row block of a few rows (the two left of 32 by six-row tiles): a short tile,
        // rather than a whole one mostly of padding.
        copyEdge(tile, n, rows: rows, columns: columns, load, into: edge, width: tileColumns)
        shortMicroKernel(blockA, panelB, edge, tileColumns, k)
        copyBack(edge, width: tileColumns, rows: rows, columns: columns, into: tile, n)
      } else {
        copyEdge(tile, n, rows: rows, columns: columns, load, into: edge, width: tileColumns)
        microKernel(blockA, panelB, edge, tileColumns, k, true)
        copyBack(edge, width: tileColumns, rows: rows, columns: columns, into: tile, n)
      }
    }
    if panelsOuter {
      row += tileRows
      if row >= m { (row, panel) = (0, panel + 1) }
    } else {
      panel += 1
      if panel == panels { (row, panel) = (row + tileRows, 0) }
    }
  }
}

/// Copies the existing part of an edge tile of C into zero-padded scratch of `width` columns;
/// zeros only, without `load`.
@inline(__always)
private func copyEdge(
  _ tile: UnsafeMutablePointer<Float>, _ n: Int, rows: Int, columns: Int, _ load: Bool,
  into edge: UnsafeMutablePointer<Float>, width: Int
) {
  for i in 0..<max(rows, tileRows) {
    let row = edge + i * width
    if i < rows && load {
      row.update(from: tile + i * n, count: columns)
      (row + columns).update(repeating: 0, count: width - columns)
    } else {
      row.update(repeating: 0, count: width)
    }
  }
}

@inline(__always)
private func copyBack(
  _ edge: UnsafeMutablePointer<Float>, width: Int, rows: Int, columns: Int,
  into tile: UnsafeMutablePointer<Float>, _ n: Int
) {
  for i in 0..<rows { (tile + i * n).update(from: edge + i * width, count: columns) }
}

/// Packs a transposed B (stored `n x ldb`, of which `k` values per row are used) as panels of
/// a tile's width, each `k` rows, zero-padded past column `n`.
@inline(__always)
private func packTransposedB(
  _ b: UnsafePointer<Float>, n: Int, k: Int, ldb: Int, into packed: UnsafeMutablePointer<Float>
) {
  var out = packed
  for column in stride(from: 0, to: n, by: tileColumns) {
    let columns = min(tileColumns, n - column)
    // Column j of op(B) is row j of b: a block of rows at a time (16 x 16 with AVX-512's 32
    // vector registers, 8 x 8 with 16 or with 128-bit NEON) are read as many values along and
    // transposed in registers; the rest one value at a time.
    #if DESCENT_VECTOR8
    let block = 8
    #else
    let block = 16
    #endif
    var j = 0
    while j + block <= columns {
      let source = b + (column + j) * ldb
      var p = 0
      while p + block <= k {
        #if DESCENT_VECTOR8
        transposeBlock8(source + p, ldb, out + p * tileColumns + j, tileColumns)
        #else
        transposeBlock(source + p, ldb, out + p * tileColumns + j, tileColumns)
        #endif
        p += block
      }
      for jj in j..<j + block {
        for q in p..<k { out[q * tileColumns + jj] = source[(jj - j) * ldb + q] }
      }
      j += block
    }
    for jj in j..<columns {
      let source = b + (column + jj) * ldb
      for p in 0..<k { out[p * tileColumns + jj] = source[p] }
    }
    if columns < tileColumns {
      for p in 0..<k {
        for j in columns..<tileColumns { out[p * tileColumns + j] = 0 }
      }
    }
    out += tileColumns * k
  }
}

/// Writes the transpose of a 16 x 16 block: row `i` of `source` (16 floats from
/// `source + i * sourceStride`) becomes column `i` of `target` (rows `targetStride` apart).
///
/// Four rounds of unzipping pairs of rows: each round rotates the eight bits of an element's
/// (row, column) index right by one, so that four exchange the row and the column. No gather
/// or scatter, which are slow on some CPUs, and sixteen loads and stores.
@inline(__always)
private func transposeBlock(
  _ source: UnsafePointer<Float>, _ sourceStride: Int, _ target: UnsafeMutablePointer<Float>,
  _ targetStride: Int
) {
  typealias Row = SIMD16<Float>
  @inline(__always) func load(_ i: Int) -> Row {
    UnsafeRawPointer(source + i * sourceStride).loadUnaligned(as: Row.self)
  }
  @inline(__always) func store(_ row: Row, _ i: Int) {
    UnsafeMutableRawPointer(target + i * targetStride).storeBytes(of: row, as: Row.self)
  }
  @inline(__always) func unzip(_ a: Row, _ b: Row) -> (Row, Row) {
    let both = SIMD32(lowHalf: a, highHalf: b)
    return (both.evenHalf, both.oddHalf)
  }
  let r0 = load(0)
  let r1 = load(1)
  let r2 = load(2)
  let r3 = load(3)
  let r4 = load(4)
  let r5 = load(5)
  let r6 = load(6)
  let r7 = load(7)
  let r8 = load(8)
  let r9 = load(9)
  let r10 = load(10)
  let r11 = load(11)
  let r12 = load(12)
  let r13 = load(13)
  let r14 = load(14)
  let r15 = load(15)
  let (x0_0, x0_8) = unzip(r0, r1)
  let (x0_1, x0_9) = unzip(r2, r3)
  let (x0_2, x0_10) = unzip(r4, r5)
  let (x0_3, x0_11) = unzip(r6, r7)
  let (x0_4, x0_12) = unzip(r8, r9)
  let (x0_5, x0_13) = unzip(r10, r11)
  let (x0_6, x0_14) = unzip(r12, r13)
  let (x0_7, x0_15) = unzip(r14, r15)
  let (x1_0, x1_8) = unzip(x0_0, x0_1)
  let (x1_1, x1_9) = unzip(x0_2, x0_3)
  let (x1_2, x1_10) = unzip(x0_4, x0_5)
  let (x1_3, x1_11) = unzip(x0_6, x0_7)
  let (x1_4, x1_12) = unzip(x0_8, x0_9)
  let (x1_5, x1_13) = unzip(x0_10, x0_11)
  let (x1_6, x1_14) = unzip(x0_12, x0_13)
  let (x1_7, x1_15) = unzip(x0_14, x0_15)
  let (x2_0, x2_8) = unzip(x1_0, x1_1)
  let (x2_1, x2_9) = unzip(x1_2, x1_3)
  let (x2_2, x2_10) = unzip(x1_4, x1_5)
  let (x2_3, x2_11) = unzip(x1_6, x1_7)
  let (x2_4, x2_12) = unzip(x1_8, x1_9)
  let (x2_5, x2_13) = unzip(x1_10, x1_11)
  let (x2_6, x2_14) = unzip(x1_12, x1_13)
  let (x2_7, x2_15) = unzip(x1_14, x1_15)
  let (x3_0, x3_8) = unzip(x2_0, x2_1)
  let (x3_1, x3_9) = unzip(x2_2, x2_3)
  let (x3_2, x3_10) = unzip(x2_4, x2_5)
  let (x3_3, x3_11) = unzip(x2_6, x2_7)
  let (x3_4, x3_12) = unzip(x2_8, x2_9)
  let (x3_5, x3_13) = unzip(x2_10, x2_11)
  let (x3_6, x3_14) = unzip(x2_12, x2_13)
  let (x3_7, x3_15) = unzip(x2_14, x2_15)
  store(x3_0, 0)
  store(x3_1, 1)
  store(x3_2, 2)
  store(x3_3, 3)
  store(x3_4, 4)
  store(x3_5, 5)
  store(x3_6, 6)
  store(x3_7, 7)
  store(x3_8, 8)
  store(x3_9, 9)
  store(x3_10, 10)
  store(x3_11, 11)
  store(x3_12, 12)
  store(x3_13, 13)
  store(x3_14, 14)
  store(x3_15, 15)
}

/// Writes the transpose of an 8 x 8 block, as `transposeBlock` does for 16 x 16, in three
/// rounds: eight loads and stores of eight floats, which the 16 vector registers of AVX2 hold.
@inline(__always)
private func transposeBlock8(
  _ source: UnsafePointer<Float>, _ sourceStride: Int, _ target: UnsafeMutablePointer<Float>,
  _ targetStride: Int
) {
  typealias Row = SIMD8<Float>
  @inline(__always) func load(_ i: Int) -> Row {
    UnsafeRawPointer(source + i * sourceStride).loadUnaligned(as: Row.self)
  }
  @inline(__always) func store(_ row: Row, _ i: Int) {
    UnsafeMutableRawPointer(target + i * targetStride).storeBytes(of: row, as: Row.self)
  }
  @inline(__always) func unzip(_ a: Row, _ b: Row) -> (Row, Row) {
    let both = SIMD16(lowHalf: a, highHalf: b)
    return (both.evenHalf, both.oddHalf)
  }
  let (x0_0, x0_4) = unzip(load(0), load(1))
  let (x0_1, x0_5) = unzip(load(2), load(3))
  let (x0_2, x0_6) = unzip(load(4), load(5))
  let (x0_3, x0_7) = unzip(load(6), load(7))
  let (x1_0, x1_4) = unzip(x0_0, x0_1)
  let (x1_1, x1_5) = unzip(x0_2, x0_3)
  let (x1_2, x1_6) = unzip(x0_4, x0_5)
  let (x1_3, x1_7) = unzip(x0_6, x0_7)
  let (x2_0, x2_4) = unzip(x1_0, x1_1)
  let (x2_1, x2_5) = unzip(x1_2, x1_3)
  let (x2_2, x2_6) = unzip(x1_4, x1_5)
  let (x2_3, x2_7) = unzip(x1_6, x1_7)
  store(x2_0, 0)
  store(x2_1, 1)
  store(x2_2, 2)
  store(x2_3, 3)
  store(x2_4, 4)
  store(x2_5, 5)
  store(x2_6, 6)
  store(x2_7, 7)
}

/// Packs the first `columns` columns of a panel of B as `k` rows of `width` floats,
/// zero-padded.
@inline(__always)
private func packB(
  _ panel: Operand, columns: Int, width: Int, k: Int, into packed: UnsafeMutablePointer<Float>
) {
  for p in 0..<k {
    let row = packed + p * width
    row.update(from: panel.base + p * panel.depthStride, count: columns)
    (row + columns).update(repeating: 0, count: width - columns)
  }
}

/// Packs the `rows` rows of a block of A as `k` groups of `tileRows` floats, zero-padded.
@inline(__always)
private func packA(
  _ block: Operand, rows: Int, k: Int, into packed: UnsafeMutablePointer<Float>
) {
  for p in 0..<k {
    let source = block.base + p * block.depthStride
    for i in 0..<rows { packed[p * tileRows + i] = source[i * block.rowStride] }
    for i in rows..<tileRows { packed[p * tileRows + i] = 0 }
  }
}

/// `C[tileRows x 2 vectors] += A[tileRows x k] B[k x 2 vectors]` with the accumulators held in
/// registers; `C = A B` without `loadC`.
@inline(__always)
private func microKernel(
  _ a: Operand, _ b: Operand, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ k: Int,
  _ loadC: Bool
) {
  @inline(__always) func load(_ p: UnsafePointer<Float>) -> Vector {
    UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
  }
  @inline(__always) func start(_ p: UnsafePointer<Float>) -> Vector {
    loadC ? load(p) : Vector()
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
  var r00 = start(c0), r01 = start(c0 + halfTileColumns)
  var r10 = start(c1), r11 = start(c1 + halfTileColumns)
  var r20 = start(c2), r21 = start(c2 + halfTileColumns)
  var r30 = start(c3), r31 = start(c3 + halfTileColumns)
  var r40 = start(c4), r41 = start(c4 + halfTileColumns)
  var r50 = start(c5), r51 = start(c5 + halfTileColumns)
  #if !DESCENT_VECTOR8
  let c6 = c + 6 * ldc
  let c7 = c + 7 * ldc
  var r60 = start(c6), r61 = start(c6 + halfTileColumns)
  var r70 = start(c7), r71 = start(c7 + halfTileColumns)
  #endif
  let s = a.rowStride
  var pa = a.base
  var pb = b.base
  for _ in 0..<k {
    let b0 = load(pb)
    let b1 = load(pb + halfTileColumns)
    var x = Vector(repeating: pa[0])
    r00.addProduct(x, b0); r01.addProduct(x, b1)
    x = Vector(repeating: pa[s])
    r10.addProduct(x, b0); r11.addProduct(x, b1)
    x = Vector(repeating: pa[2 * s])
    r20.addProduct(x, b0); r21.addProduct(x, b1)
    x = Vector(repeating: pa[3 * s])
    r30.addProduct(x, b0); r31.addProduct(x, b1)
    x = Vector(repeating: pa[4 * s])
    r40.addProduct(x, b0); r41.addProduct(x, b1)
    x = Vector(repeating: pa[5 * s])
    r50.addProduct(x, b0); r51.addProduct(x, b1)
    #if !DESCENT_VECTOR8
    x = Vector(repeating: pa[6 * s])
    r60.addProduct(x, b0); r61.addProduct(x, b1)
    x = Vector(repeating: pa[7 * s])
    r70.addProduct(x, b0); r71.addProduct(x, b1)
    #endif
    pa += a.depthStride
    pb += b.depthStride
  }
  store(r00, c0); store(r01, c0 + halfTileColumns)
  store(r10, c1); store(r11, c1 + halfTileColumns)
  store(r20, c2); store(r21, c2 + halfTileColumns)
  store(r30, c3); store(r31, c3 + halfTileColumns)
  store(r40, c4); store(r41, c4 + halfTileColumns)
  store(r50, c5); store(r51, c5 + halfTileColumns)
  #if !DESCENT_VECTOR8
  store(r60, c6); store(r61, c6 + halfTileColumns)
  store(r70, c7); store(r71, c7 + halfTileColumns)
  #endif
}

/// `C[shortRows x 2 vectors] += A[shortRows x k] B[k x 2 vectors]`: the first rows of a
/// padded edge tile.
@inline(__always)
private func shortMicroKernel(
  _ a: Operand, _ b: Operand, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ k: Int
) {
  @inline(__always) func load(_ p: UnsafePointer<Float>) -> Vector {
    UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
  }
  @inline(__always) func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
  }
  let (c0, c1, c2, c3) = (c, c + ldc, c + 2 * ldc, c + 3 * ldc)
  var r00 = load(c0), r01 = load(c0 + halfTileColumns)
  var r10 = load(c1), r11 = load(c1 + halfTileColumns)
  var r20 = load(c2), r21 = load(c2 + halfTileColumns)
  var r30 = load(c3), r31 = load(c3 + halfTileColumns)
  let s = a.rowStride
  var pa = a.base
  var pb = b.base
  for _ in 0..<k {
    let b0 = load(pb)
    let b1 = load(pb + halfTileColumns)
    var x = Vector(repeating: pa[0])
    r00.addProduct(x, b0); r01.addProduct(x, b1)
    x = Vector(repeating: pa[s])
    r10.addProduct(x, b0); r11.addProduct(x, b1)
    x = Vector(repeating: pa[2 * s])
    r20.addProduct(x, b0); r21.addProduct(x, b1)
    x = Vector(repeating: pa[3 * s])
    r30.addProduct(x, b0); r31.addProduct(x, b1)
    pa += a.depthStride
    pb += b.depthStride
  }
  store(r00, c0); store(r01, c0 + halfTileColumns)
  store(r10, c1); store(r11, c1 + halfTileColumns)
  store(r20, c2); store(r21, c2 + halfTileColumns)
  store(r30, c3); store(r31, c3 + halfTileColumns)
}

/// `C[tileRows x 1 vector] += A[tileRows x k] B[k x 1 vector]`, on the first vector of a panel.
@inline(__always)
private func narrowMicroKernel(
  _ a: Operand, _ b: Operand, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ k: Int
) {
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
  #if !DESCENT_VECTOR8
  var r6 = load(c + 6 * ldc)
  var r7 = load(c + 7 * ldc)
  #endif
  let s = a.rowStride
  var pa = a.base
  var pb = b.base
  for _ in 0..<k {
    let b0 = load(pb)
    r0.addProduct(Vector(repeating: pa[0]), b0)
    r1.addProduct(Vector(repeating: pa[s]), b0)
    r2.addProduct(Vector(repeating: pa[2 * s]), b0)
    r3.addProduct(Vector(repeating: pa[3 * s]), b0)
    r4.addProduct(Vector(repeating: pa[4 * s]), b0)
    r5.addProduct(Vector(repeating: pa[5 * s]), b0)
    #if !DESCENT_VECTOR8
    r6.addProduct(Vector(repeating: pa[6 * s]), b0)
    r7.addProduct(Vector(repeating: pa[7 * s]), b0)
    #endif
    pa += a.depthStride
    pb += b.depthStride
  }
  store(r0, c)
  store(r1, c + ldc)
  store(r2, c + 2 * ldc)
  store(r3, c + 3 * ldc)
  store(r4, c + 4 * ldc)
  store(r5, c + 5 * ldc)
  #if !DESCENT_VECTOR8
  store(r6, c + 6 * ldc)
  store(r7, c + 7 * ldc)
  #endif
}

/// `C[tallRows x 1 vector] += A[tallRows x k] B[k x 1 vector]`: twelve or sixteen
/// accumulators, for narrow panels.
@inline(__always)
private func tallNarrowMicroKernel(
  _ a: Operand, _ b: Operand, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ k: Int
) {
  @inline(__always) func load(_ p: UnsafePointer<Float>) -> Vector {
    UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
  }
  @inline(__always) func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
  }
  var r0 = load(c), r1 = load(c + ldc), r2 = load(c + 2 * ldc), r3 = load(c + 3 * ldc)
  var r4 = load(c + 4 * ldc), r5 = load(c + 5 * ldc), r6 = load(c + 6 * ldc)
  var r7 = load(c + 7 * ldc), r8 = load(c + 8 * ldc), r9 = load(c + 9 * ldc)
  var r10 = load(c + 10 * ldc), r11 = load(c + 11 * ldc)
  #if !DESCENT_VECTOR8
  var r12 = load(c + 12 * ldc), r13 = load(c + 13 * ldc)
  var r14 = load(c + 14 * ldc), r15 = load(c + 15 * ldc)
  #endif
  let s = a.rowStride
  var pa = a.base
  var pb = b.base
  for _ in 0..<k {
    // One broadcast at a time, each used at once, so that the compiler keeps the sums in
    // registers rather than loading every broadcast ahead and spilling.
    let b0 = load(pb)
    var x = Vector(repeating: pa[0])
    r0.addProduct(x, b0)
    x = Vector(repeating: pa[s])
    r1.addProduct(x, b0)
    x = Vector(repeating: pa[2 * s])
    r2.addProduct(x, b0)
    x = Vector(repeating: pa[3 * s])
    r3.addProduct(x, b0)
    x = Vector(repeating: pa[4 * s])
    r4.addProduct(x, b0)
    x = Vector(repeating: pa[5 * s])
    r5.addProduct(x, b0)
    x = Vector(repeating: pa[6 * s])
    r6.addProduct(x, b0)
    x = Vector(repeating: pa[7 * s])
    r7.addProduct(x, b0)
    x = Vector(repeating: pa[8 * s])
    r8.addProduct(x, b0)
    x = Vector(repeating: pa[9 * s])
    r9.addProduct(x, b0)
    x = Vector(repeating: pa[10 * s])
    r10.addProduct(x, b0)
    x = Vector(repeating: pa[11 * s])
    r11.addProduct(x, b0)
    #if !DESCENT_VECTOR8
    x = Vector(repeating: pa[12 * s])
    r12.addProduct(x, b0)
    x = Vector(repeating: pa[13 * s])
    r13.addProduct(x, b0)
    x = Vector(repeating: pa[14 * s])
    r14.addProduct(x, b0)
    x = Vector(repeating: pa[15 * s])
    r15.addProduct(x, b0)
    #endif
    pa += a.depthStride
    pb += b.depthStride
  }
  store(r0, c); store(r1, c + ldc); store(r2, c + 2 * ldc); store(r3, c + 3 * ldc)
  store(r4, c + 4 * ldc); store(r5, c + 5 * ldc); store(r6, c + 6 * ldc)
  store(r7, c + 7 * ldc); store(r8, c + 8 * ldc); store(r9, c + 9 * ldc)
  store(r10, c + 10 * ldc); store(r11, c + 11 * ldc)
  #if !DESCENT_VECTOR8
  store(r12, c + 12 * ldc); store(r13, c + 13 * ldc)
  store(r14, c + 14 * ldc); store(r15, c + 15 * ldc)
  #endif
}
