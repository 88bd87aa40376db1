import Testing

@testable import Descent
@testable import DescentEngine

/// Records an issue for every element of `actual` farther from `expected` than
/// `relative * max(|expected|, floor)`.
func expectClose<T: BinaryFloatingPoint>(
  _ actual: [T], _ expected: [T], relative: T, floor: T = 1,
  _ context: String = "", sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
  guard actual.count == expected.count else {
    Issue.record(
      "\(actual.count) values where \(expected.count) were expected", sourceLocation: sourceLocation
    )
    return
  }
  for (i, (a, e)) in zip(actual, expected).enumerated()
  where !(abs(a - e) <= relative * max(abs(e), floor)) {
    Issue.record(
      "\(context)\(context.isEmpty ? "" : ": ")element \(i): \(a) is not within \(relative) (relative) of \(e)",
      sourceLocation: sourceLocation)
  }
}

/// `count` standard normal values from a fixed synthetic stream, times `scale`.
func normalValues(_ count: Int, seed: UInt64, scale: Double = 1) -> [Double] {
  var random = RandomGenerator(seed: seed, stream: .synthetic)
  return (0..<count).map { _ in scale * random.normal() }
}

/// `count` values uniform in `[low, high)` from a fixed synthetic stream.
func uniformValues(_ count: Int, seed: UInt64, _ low: Double, _ high: Double) -> [Double] {
  var random = RandomGenerator(seed: seed, stream: .synthetic)
  return (0..<count).map { _ in random.uniform(low, high) }
}

extension Network {
  /// Runs a forward pass on `inputs` (`rows x inputWidth`) and returns the outputs.
  mutating func outputs(
    for inputs: [T], mode: Mode = .evaluation, random: inout RandomGenerator
  ) -> [T] {
    let rows = inputs.count / inputWidth
    let width = outputWidth
    withBatchBuffers { x, _ in x.update(from: inputs, count: inputs.count) }
    forward(batch: rows, mode: mode, random: &random)
    return withOutputs { Array(UnsafeBufferPointer(start: $0, count: rows * width)) }
  }

  /// Builds the network of `spec` with the initial weights of `seed`, as a training run does.
  init(spec: ModelSpec, inputWidth: Int, batchCapacity: Int, seed: UInt64) {
    var random = RandomGenerator(seed: seed, stream: .initialization)
    self.init(spec: spec, inputWidth: inputWidth, batchCapacity: batchCapacity, random: &random)
  }
}
