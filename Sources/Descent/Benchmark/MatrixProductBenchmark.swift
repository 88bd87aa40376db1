import DescentEngine

/// Measures the matrix product on the shapes a dense layer gives it.
public enum MatrixProductBenchmark {
  /// The kernel build this CPU runs: `avx512`, `avx2` or `portable`.
  public static var kernelDescription: String { MatrixProduct.kernelName }

  /// One product: `op(A) m x k` times `op(B) k x n`.
  public struct Shape: Sendable, Hashable, CustomStringConvertible {
    public var m: Int
    public var n: Int
    public var k: Int
    public var transposeA: Bool
    public var transposeB: Bool
    /// What the product is for, such as `784->256 forward`.
    public var role: String

    public var description: String {
      "\(m)x\(n)x\(k) \(transposeA ? "T" : "N")\(transposeB ? "T" : "N")"
    }

    /// The three products of a dense layer `inputs -> units` at `batch` rows, with the weight
    /// stored transposed as the network stores it: the forward pass (`X Wt`), the weight
    /// gradient (`X^T dY`) and the input gradient (`dY Wt^T`).
    public static func denseLayer(inputs: Int, units: Int, batch: Int) -> [Shape] {
      let name = "\(inputs)->\(units) batch \(batch)"
      return [
        Shape(
          m: batch, n: units, k: inputs, transposeA: false, transposeB: false,
          role: "\(name) forward"),
        Shape(
          m: inputs, n: units, k: batch, transposeA: true, transposeB: false,
          role: "\(name) weight gradient"),
        Shape(
          m: batch, n: inputs, k: units, transposeA: false, transposeB: true,
          role: "\(name) input gradient"),
      ]
    }
  }

  /// The three products of a convolution on one image, as `Conv2d` makes them over its
  /// unfolded patches (one group) with its weight stored as `Wt`, `[patch, outputs]`:
  /// `positions` outputs, patches of `patch` values, `outputs` channels. The forward pass
  /// (`Wt^T cols`), the weight gradient (`cols dY^T`) and the patch gradient (`Wt dY`).
  public static func convolution(
    _ name: String, positions: Int, patch: Int, outputs: Int
  ) -> [Shape] {
    [
      Shape(
        m: outputs, n: positions, k: patch, transposeA: true, transposeB: false,
        role: "\(name) forward"),
      Shape(
        m: patch, n: outputs, k: positions, transposeA: false, transposeB: true,
        role: "\(name) weight gradient"),
      Shape(
        m: patch, n: positions, k: outputs, transposeA: false, transposeB: false,
        role: "\(name) input gradient"),
    ]
  }

  /// The median throughput of `repetitions` timed batches of products, in GFLOP/s
  /// (`2 m n k` floating-point operations per product).
  public static func gigaflops(_ shape: Shape, repetitions: Int = 9) -> Double {
    var random = RandomGenerator(seed: 1)
    let a = (0..<shape.m * shape.k).map { _ in Float(random.uniform(-1, 1)) }
    let b = (0..<shape.k * shape.n).map { _ in Float(random.uniform(-1, 1)) }
    var c = [Float](repeating: 0, count: shape.m * shape.n)
    var workspace = [Float](
      repeating: 0, count: MatrixProduct.workspaceSize(m: shape.m, n: shape.n, k: shape.k))
    let flops = 2 * Double(shape.m * shape.n * shape.k)
    // Enough products per timing that each takes a few milliseconds.
    let products = max(1, Int(4e7 / flops))
    let clock = ContinuousClock()
    var rates: [Double] = []
    for _ in 0..<repetitions {
      let elapsed = clock.measure {
        a.withUnsafeBufferPointer { a in
          b.withUnsafeBufferPointer { b in
            c.withUnsafeMutableBufferPointer { c in
              workspace.withUnsafeMutableBufferPointer { w in
                for _ in 0..<products {
                  MatrixProduct.multiply(
                    a.baseAddress!, transposed: shape.transposeA, b.baseAddress!,
                    transposed: shape.transposeB, into: c.baseAddress!, m: shape.m, n: shape.n,
                    k: shape.k, workspace: w.baseAddress!)
                }
              }
            }
          }
        }
      }
      let seconds =
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
      rates.append(flops * Double(products) / seconds / 1e9)
    }
    return rates.sorted()[rates.count / 2]
  }
}
