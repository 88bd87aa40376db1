import CPUFeatures
import Dispatch
#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import DescentKernelsAVX2
import DescentKernelsAVX512

/// The one matrix product of the engine: dense and convolutional layers call it for their
/// forward passes, weight gradients and input gradients.
///
/// All matrices are row-major and contiguous. `op(A)` is `m x k` and `op(B)` is `k x n`; a
/// transposed operand is stored the other way round (`A` as `k x m`, `B` as `n x k`).
///
/// Every element of `C` is computed as `fma(a[k-1], b[k-1], ... fma(a[0], b[0], c0))`: one fused
/// multiply-add per `k`, in increasing `k` order. `Float` products run in a packed,
/// register-blocked kernel built for AVX-512 or for AVX2 and chosen from the CPU's features when
/// Descent starts; other types and other CPUs take the plain loop below. All of them compute
/// the same bits, so results do not depend on the machine's vector width.
public enum MatrixProduct {
  /// The kernel builds, best first. On x86-64 the product is compiled for AVX-512 and for AVX2
  /// with FMA; on other architectures (arm64: NEON) once for the host's own vectors. Every
  /// build computes the same bits as the portable loop.
  public enum Kernel: String, CaseIterable, Sendable {
    case avx512
    case avx2
    case neon
    case portable

    /// Whether this CPU (and this build of Descent) runs the kernel.
    public var isAvailable: Bool {
      switch self {
      #if arch(x86_64)
      case .avx512: descent_cpu_has_avx512() != 0
      case .avx2: descent_cpu_has_avx2_fma() != 0
      case .neon: false
      #else
      case .avx512, .avx2: false
      case .neon: true
      #endif
      case .portable: true
      }
    }

    /// Rows of C per tile of the kernel.
    package var tileRows: Int {
      switch self {
      case .avx512: DescentKernelsAVX512.tileRows
      case .avx2, .neon: DescentKernelsAVX2.tileRows
      case .portable: 6
      }
    }
  }

  /// The best kernel this CPU runs, which Descent uses unless told otherwise.
  public static let bestKernel: Kernel = Kernel.allCases.first { $0.isAvailable }!

  /// The environment variable that chooses another kernel than the best, for benchmarks and
  /// tests: `DESCENT_KERNEL=avx512|avx2|neon|portable`.
  public static let kernelVariable = "DESCENT_KERNEL"

  /// Why a kernel cannot be used.
  public struct KernelError: Error, CustomStringConvertible, Sendable {
    public let description: String
  }

  /// The kernel a name chooses, when this CPU runs it.
  public static func kernel(named name: String) throws(KernelError) -> Kernel {
    let available = Kernel.allCases.filter(\.isAvailable).map(\.rawValue)
    guard let kernel = Kernel(rawValue: name) else {
      throw KernelError(
        description: "unknown kernel '\(name)'; this CPU runs \(available.joined(separator: ", "))")
    }
    guard kernel.isAvailable else {
      throw KernelError(
        description: "this CPU cannot run the \(name) kernel; it runs \(available.joined(separator: ", "))")
    }
    return kernel
  }

  /// The kernel that `DESCENT_KERNEL` chooses in `environment`, nil when it is unset or empty.
  public static func kernel(fromEnvironment environment: [String: String]) throws(KernelError)
    -> Kernel?
  {
    guard let name = environment[kernelVariable], !name.isEmpty else { return nil }
    do {
      return try kernel(named: name)
    } catch {
      throw KernelError(description: "\(kernelVariable): \(error.description)")
    }
  }

  /// The kernel in use: the best this CPU runs, or the one `use(_:)` chose, or, until then,
  /// the one `DESCENT_KERNEL` names when this CPU runs it. (The command line refuses a
  /// `DESCENT_KERNEL` it cannot honour; see `kernel(fromEnvironment:)`.)
  public static var kernel: Kernel {
    switch descent_selected_kernel() {
    case 0: return .avx512
    case 1: return .avx2
    case 2: return .neon
    case 3: return .portable
    default: break
    }
    let chosen = ((try? kernel(fromEnvironment: processEnvironment)) ?? nil) ?? bestKernel
    use(chosen)
    return chosen
  }

  /// Uses `kernel`, which must be available, for every product from now on. All kernels
  /// compute the same bits, so this changes speed only, even while other threads multiply.
  public static func use(_ kernel: Kernel) {
    precondition(kernel.isAvailable, "the \(kernel.rawValue) kernel does not run on this CPU")
    let number: Int32 =
      switch kernel {
      case .avx512: 0
      case .avx2: 1
      case .neon: 2
      case .portable: 3
      }
    descent_select_kernel(number)
  }

  /// The process's environment variable that chooses the kernel, when it is set.
  private static var processEnvironment: [String: String] {
    guard let value = getenv(kernelVariable) else { return [:] }
    return [kernelVariable: String(cString: value)]
  }

  /// The name of the kernel in use, for benchmarks and reports.
  public static var kernelName: String { kernel.rawValue }

  /// Scratch elements `multiply` needs for an `m x n x k` product.
  public static func workspaceSize(m: Int, n: Int, k: Int) -> Int {
    max(DescentKernelsAVX512.packedProductWorkspace(m: m, n: n, k: k), k * n)
  }

  /// Computes `C = op(A) * op(B)`, or `C += op(A) * op(B)` when `accumulate` is true.
  ///
  /// With `threads` above 1, large products are split by blocks of rows of C, each computed
  /// whole on one thread: every element still sums over all of k in order, so the result is
  /// the same bits for any number of threads.
  ///
  /// - Parameters:
  ///   - workspace: scratch space of at least `threads * workspaceSize(m:n:k:)` elements.
  /// - Complexity: O(m * n * k).
  @inline(__always)
  public static func multiply<T: Scalar>(
    _ a: UnsafePointer<T>, transposed transposeA: Bool,
    _ b: UnsafePointer<T>, transposed transposeB: Bool,
    into c: UnsafeMutablePointer<T>, m: Int, n: Int, k: Int,
    accumulate: Bool = false, workspace: UnsafeMutablePointer<T>, threads: Int = 1
  ) {
    let lda = transposeA ? m : k
    // Rows per thread, whole tiles; a split pays only when each part is sizable.
    let kernel = kernel
    let tile = kernel.tileRows
    let parts = min(threads, m / (2 * tile))
    guard parts > 1, m * n * k >= 1 << 18 else {
      block(a, transposeA, b, transposeB, c, rows: m, n, k, lda, accumulate, workspace, kernel)
      return
    }
    let rowsPerPart = (m / parts + tile - 1) / tile * tile
    let stride = workspaceSize(m: m, n: n, k: k)
    let (sa, sb, sc, sw) = (
      UncheckedSendable(a), UncheckedSendable(b), UncheckedSendable(c), UncheckedSendable(workspace)
    )
    DispatchQueue.concurrentPerform(iterations: parts) { part in
      let first = part * rowsPerPart
      let rows = part == parts - 1 ? m - first : min(rowsPerPart, m - first)
      guard rows > 0 else { return }
      block(
        sa.value + (transposeA ? first : first * k), transposeA, sb.value, transposeB,
        sc.value + first * n, rows: rows, n, k, lda, accumulate, sw.value + part * stride,
        kernel)
    }
  }

  /// `rows` rows of a product whose A rows (or, transposed, k steps) are `lda` apart.
  @inline(__always)
  package static func block<T: Scalar>(
    _ a: UnsafePointer<T>, _ transposeA: Bool, _ b: UnsafePointer<T>, _ transposeB: Bool,
    _ c: UnsafeMutablePointer<T>, rows m: Int, _ n: Int, _ k: Int, _ lda: Int,
    _ accumulate: Bool, _ workspace: UnsafeMutablePointer<T>, _ kernel: Kernel
  ) {
    if T.self == Float.self && kernel != .portable {
      let a = UnsafeRawPointer(a).assumingMemoryBound(to: Float.self)
      let b = UnsafeRawPointer(b).assumingMemoryBound(to: Float.self)
      let c = UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self)
      let w = UnsafeMutableRawPointer(workspace).assumingMemoryBound(to: Float.self)
      switch kernel {
      case .avx512:
        DescentKernelsAVX512.packedProduct(
          a, transposeA, b, transposeB, c, m, n, k, lda, accumulate, w)
      case .avx2, .neon:
        DescentKernelsAVX2.packedProduct(
          a, transposeA, b, transposeB, c, m, n, k, lda, accumulate, w)
      case .portable:
        break
      }
      return
    }
    portableMultiply(
      a, transposed: transposeA, b, transposed: transposeB, into: c, m: m, n: n, k: k, lda: lda,
      accumulate: accumulate, workspace: workspace)
  }

  /// The reference loop: the same fused multiply-adds in the same order as the kernels.
  package static func portableMultiply<T: Scalar>(
    _ a: UnsafePointer<T>, transposed transposeA: Bool,
    _ b: UnsafePointer<T>, transposed transposeB: Bool,
    into c: UnsafeMutablePointer<T>, m: Int, n: Int, k: Int, lda: Int? = nil,
    accumulate: Bool, workspace: UnsafeMutablePointer<T>
  ) {
    let lda = lda ?? (transposeA ? m : k)
    var b = b
    if transposeB {
      // Lay B out as k x n so that the inner loop runs along contiguous rows of B and C.
      transpose(b, rows: n, columns: k, into: workspace)
      b = UnsafePointer(workspace)
    }
    if !accumulate { c.update(repeating: 0, count: m * n) }
    for i in 0..<m {
      let cRow = c + i * n
      for p in 0..<k {
        let aip = transposeA ? a[p * lda + i] : a[i * lda + p]
        let bRow = b + p * n
        for j in 0..<n { cRow[j].addProduct(aip, bRow[j]) }
      }
    }
  }

  /// Writes the transpose of the `rows x columns` matrix `source` into `destination`.
  package static func transpose<T>(
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
