import Testing

@testable import Descent
@testable import DescentEngine

/// The matrix product against the textbook triple loop. Every element of `C` is promised to be
/// `fma(a[k-1], b[k-1], ... fma(a[0], b[0], c0))`, whatever the kernel, so the reference below
/// computes exactly that and the comparison is bit for bit, not to a tolerance.
@Suite struct MatrixProductTests {
  struct Shape: Sendable, CustomTestStringConvertible {
    var m: Int, n: Int, k: Int
    var testDescription: String { "\(m)x\(n)x\(k)" }
  }

  /// Odd shapes around the kernels' 8 x 32 (AVX-512) and 6 x 16 (AVX2) tiles: single
  /// elements, single rows and columns, whole tiles, whole tiles with ragged edges in both
  /// directions, narrow last panels under tall tiles with rows left over, and k past the 384
  /// of one block of depth.
  static let shapes = [
    Shape(m: 1, n: 1, k: 1), Shape(m: 5, n: 7, k: 3), Shape(m: 3, n: 1, k: 9),
    Shape(m: 1, n: 13, k: 4), Shape(m: 6, n: 32, k: 5), Shape(m: 13, n: 70, k: 11),
    Shape(m: 17, n: 33, k: 23), Shape(m: 31, n: 5, k: 2), Shape(m: 12, n: 16, k: 7),
    Shape(m: 14, n: 40, k: 600), Shape(m: 25, n: 9, k: 513), Shape(m: 64, n: 36, k: 9),
    Shape(m: 40, n: 4, k: 3),
  ]

  /// `C (+)= op(A) op(B)`, one element at a time, reading the operands as stored.
  static func naive<T: Scalar>(
    _ a: [T], transposedA: Bool, _ b: [T], transposedB: Bool, c: [T], _ s: Shape,
    accumulate: Bool
  ) -> [T] {
    var c = accumulate ? c : [T](repeating: 0, count: s.m * s.n)
    for i in 0..<s.m {
      for j in 0..<s.n {
        var sum = c[i * s.n + j]
        for p in 0..<s.k {
          let aip = transposedA ? a[p * s.m + i] : a[i * s.k + p]
          let bpj = transposedB ? b[j * s.k + p] : b[p * s.n + j]
          sum.addProduct(aip, bpj)
        }
        c[i * s.n + j] = sum
      }
    }
    return c
  }

  typealias Product<T> = (
    _ a: UnsafePointer<T>, _ transposeA: Bool, _ b: UnsafePointer<T>, _ transposeB: Bool,
    _ c: UnsafeMutablePointer<T>, _ s: Shape, _ accumulate: Bool,
    _ workspace: UnsafeMutablePointer<T>
  ) -> Void

  /// Runs `product` on every transpose combination of one shape and compares with `naive`.
  func expectNaiveResults<T: Scalar>(
    of product: Product<T>, _ type: T.Type, shape s: Shape, accumulate: Bool,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) {
    let a = normalValues(s.m * s.k, seed: 1).map(T.init)
    let b = normalValues(s.k * s.n, seed: 2).map(T.init)
    let c0 = normalValues(s.m * s.n, seed: 3).map(T.init)
    for transposeA in [false, true] {
      for transposeB in [false, true] {
        var c = c0
        var workspace = [T](
          repeating: .nan, count: MatrixProduct.workspaceSize(m: s.m, n: s.n, k: s.k))
        product(a, transposeA, b, transposeB, &c, s, accumulate, &workspace)
        let expected = Self.naive(
          a, transposedA: transposeA, b, transposedB: transposeB, c: c0, s,
          accumulate: accumulate)
        #expect(
          c == expected,
          "transposeA \(transposeA), transposeB \(transposeB), accumulate \(accumulate)",
          sourceLocation: sourceLocation)
      }
    }
  }

  @Test(arguments: shapes, [false, true])
  func productInUseMatchesTheNaiveLoopBitForBit(shape: Shape, accumulate: Bool) {
    expectNaiveResults(
      of: { a, ta, b, tb, c, s, acc, w in
        MatrixProduct.multiply(
          a, transposed: ta, b, transposed: tb, into: c, m: s.m, n: s.n, k: s.k,
          accumulate: acc, workspace: w)
      }, Float.self, shape: shape, accumulate: accumulate)
  }

  @Test(arguments: shapes, [false, true])
  func portableLoopMatchesTheNaiveLoopInBothPrecisions(shape: Shape, accumulate: Bool) {
    func portable<T: Scalar>(_ type: T.Type) -> Product<T> {
      { a, ta, b, tb, c, s, acc, w in
        MatrixProduct.portableMultiply(
          a, transposed: ta, b, transposed: tb, into: c, m: s.m, n: s.n, k: s.k,
          accumulate: acc, workspace: w)
      }
    }
    expectNaiveResults(of: portable(Float.self), Float.self, shape: shape, accumulate: accumulate)
    expectNaiveResults(of: portable(Double.self), Double.self, shape: shape, accumulate: accumulate)
  }

  /// Every kernel this CPU runs, the portable loop included.
  static let kernels = MatrixProduct.Kernel.allCases.filter(\.isAvailable)

  @Test(arguments: kernels, shapes)
  func everyKernelMatchesTheNaiveLoopBitForBit(kernel: MatrixProduct.Kernel, shape: Shape) {
    for accumulate in [false, true] {
      expectNaiveResults(
        of: { a, ta, b, tb, c, s, acc, w in
          MatrixProduct.block(a, ta, b, tb, c, rows: s.m, s.n, s.k, ta ? s.m : s.k, acc, w, kernel)
        }, Float.self, shape: shape, accumulate: accumulate)
    }
  }

  @Test func kernelsAreChosenByNameAndRefusedWhenTheCPULacksThem() throws {
    #expect(MatrixProduct.bestKernel.isAvailable)
    #expect(try MatrixProduct.kernel(named: "portable") == .portable)
    #expect(try MatrixProduct.kernel(fromEnvironment: [:]) == nil)
    #expect(try MatrixProduct.kernel(fromEnvironment: ["DESCENT_KERNEL": "portable"]) == .portable)
    #expect(throws: MatrixProduct.KernelError.self) { try MatrixProduct.kernel(named: "sse9") }
    for kernel in MatrixProduct.Kernel.allCases where !kernel.isAvailable {
      #expect(throws: MatrixProduct.KernelError.self) {
        try MatrixProduct.kernel(fromEnvironment: ["DESCENT_KERNEL": kernel.rawValue])
      }
    }
    #if arch(x86_64)
    #expect(!MatrixProduct.Kernel.neon.isAvailable)
    #endif
  }

  @Test func smallProductMatchesHandComputedValues() {
    // [[1, 2, 3], [4, 5, 6]] * [[1, 0], [0, 1], [1, 1]] = [[4, 5], [10, 11]], added to 1s.
    let a: [Float] = [1, 2, 3, 4, 5, 6]
    let b: [Float] = [1, 0, 0, 1, 1, 1]
    var c: [Float] = [1, 1, 1, 1]
    var workspace = [Float](repeating: 0, count: MatrixProduct.workspaceSize(m: 2, n: 2, k: 3))
    MatrixProduct.multiply(
      a, transposed: false, b, transposed: false, into: &c, m: 2, n: 2, k: 3,
      accumulate: true, workspace: &workspace)
    #expect(c == [5, 6, 11, 12])
    MatrixProduct.multiply(
      a, transposed: false, b, transposed: false, into: &c, m: 2, n: 2, k: 3,
      accumulate: false, workspace: &workspace)
    #expect(c == [4, 5, 10, 11])
  }

  @Test func transposeWritesTheTransposeAcrossTileBoundaries() {
    let rows = 21
    let columns = 35  // not multiples of the 16-element tile
    let source = (0..<rows * columns).map(Float.init)
    var destination = [Float](repeating: -1, count: rows * columns)
    MatrixProduct.transpose(source, rows: rows, columns: columns, into: &destination)
    for i in 0..<rows {
      for j in 0..<columns where destination[j * rows + i] != source[i * columns + j] {
        Issue.record("element (\(i), \(j)) was not transposed")
      }
    }
  }
}
