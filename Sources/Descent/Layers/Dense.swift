/// The dense layer's passes: `Y = X W^T + b` and its gradients, all through `MatrixProduct`.
///
/// The weight is stored transposed, `Wt = W^T` shaped `[in, units]` (see `Network`), so that the
/// forward pass and the weight gradient are products of operands read in place; only the input
/// gradient reads `Wt` transposed.
enum Dense {
  /// `output[batch, units] = input[batch, in] * Wt[in, units] + bias`.
  @inline(__always)
  static func forward<T: Scalar>(
    input: UnsafePointer<T>, weight: UnsafePointer<T>, bias: UnsafePointer<T>,
    output: UnsafeMutablePointer<T>, batch: Int, inputWidth: Int, units: Int,
    workspace: UnsafeMutablePointer<T>
  ) {
    for row in 0..<batch { (output + row * units).update(from: bias, count: units) }
    MatrixProduct.multiply(
      input, transposed: false, weight, transposed: false, into: output,
      m: batch, n: units, k: inputWidth, accumulate: true, workspace: workspace)
  }

  /// Given `dOutput = dL/dY`: `dWt = X^T dY`, `dBias = column sums of dY`, and, when `dInput` is
  /// given, `dInput = dY Wt^T`.
  @inline(__always)
  static func backward<T: Scalar>(
    input: UnsafePointer<T>, weight: UnsafePointer<T>, dOutput: UnsafePointer<T>,
    dWeight: UnsafeMutablePointer<T>, dBias: UnsafeMutablePointer<T>,
    dInput: UnsafeMutablePointer<T>?, batch: Int, inputWidth: Int, units: Int,
    workspace: UnsafeMutablePointer<T>
  ) {
    MatrixProduct.multiply(
      input, transposed: true, dOutput, transposed: false, into: dWeight,
      m: inputWidth, n: units, k: batch, workspace: workspace)
    dBias.update(repeating: 0, count: units)
    for row in 0..<batch {
      let dRow = dOutput + row * units
      for j in 0..<units { dBias[j] += dRow[j] }
    }
    if let dInput {
      MatrixProduct.multiply(
        dOutput, transposed: false, weight, transposed: true, into: dInput,
        m: batch, n: inputWidth, k: units, workspace: workspace)
    }
  }
}
