import DescentEngine

/// The memory one run holds while it trains, estimated from the model's plan without
/// allocating any of it.
///
/// The network's part is what `Network` allocates, counted as it counts it: its arena for the
/// largest batch (the batch itself, every layer's output and output gradient, the layers'
/// scratch, the matrix products' workspace per thread), the parameters and their gradients,
/// the optimizer's state and the layers' buffers. The data is what the examples take once
/// prepared; a separate test set, and what is small or short-lived beside these (the curve, a
/// checkpoint being written), are left out.
public struct MemoryEstimate: Sendable, Hashable {
  /// The examples of the largest batch: the batch size, or every training example when there
  /// are fewer.
  public var batch: Int
  /// Bytes of the network's arena for `batch` examples, the products' workspace aside.
  public var activations: Double
  /// Bytes of the products' workspace for one thread; each thread a run uses has its own.
  public var workspacePerThread: Double
  /// Bytes of the parameters, their gradients, the optimizer's state and the buffers.
  public var weights: Double
  /// Bytes of the prepared examples, features and targets; runs of a sweep that read the same
  /// data share them.
  public var data: Double
  /// Bytes of the run's own order of the training examples.
  var order: Double

  /// The bytes the run holds itself when its products use `threads` threads, the shared data
  /// aside.
  public func runBytes(threads: Int = 1) -> Double {
    activations + Double(threads) * workspacePerThread + weights + order
  }

  /// The bytes the run holds with its data, on `threads` threads.
  public func bytes(threads: Int = 1) -> Double {
    runBytes(threads: threads) + data
  }

  /// What the bytes on one thread are made of, as messages give it: "activations 2.1 GB,
  /// weights, gradients and optimizer state 1.6 MB, data 294.3 kB".
  var parts: String {
    let format = MemoryLimit.format
    return "activations \(format(activations + workspacePerThread + order)), "
      + "weights, gradients and optimizer state \(format(weights)), data \(format(data))"
  }
}

/// What a network's memory is made of, from its plan, so that the estimate for any batch is a
/// sum: values per example, values whatever the batch, and the products' workspace.
struct MemoryPlan {
  static let valueSize = Double(MemoryLayout<Float>.size)

  private let planned: [any PlannedLayer]
  /// Arena values per example of a batch: the input, each layer's output and its gradient,
  /// its scratch per example, the targets.
  private let valuesPerExample: Double
  /// Arena values whatever the batch (batch norm's statistics).
  private let fixedValues: Double
  private let weights: Double
  private let data: Double
  private let trainingRows: Int

  /// The plan of a network of `planned` layers for examples shaped `input`, trained with an
  /// optimizer that keeps `optimizerStates` values per parameter on `data`.
  ///
  /// Counts are taken from the layers for batches of one and two examples: every layer's
  /// scratch is a number of values per example plus a fixed number (see `PlannedLayer`), so
  /// larger batches are extrapolated in floating point and never overflow.
  init(
    planned: [any PlannedLayer], input: TensorShape, optimizerStates: Int, data: DataShape,
    validation: Double
  ) {
    self.planned = planned
    var perExample = Double(input.count)
    var fixed = 0.0
    for layer in planned {
      let one = Double(layer.scratchCount(batch: 1))
      let two = Double(layer.scratchCount(batch: 2))
      perExample += 2 * Double(layer.outputShape.count) + (two - one)
      fixed += 2 * one - two
    }
    perExample += Double(planned.last?.outputShape.count ?? 0)  // the targets
    valuesPerExample = perExample
    fixedValues = fixed
    let layout = StateLayout(planned)
    weights =
      Self.valueSize
      * (Double(layout.parameterCount) * Double(2 + optimizerStates) + Double(layout.bufferCount))
      + Double(MemoryLayout<Int64>.size * layout.counterCount)
    self.data =
      Self.valueSize * Double(data.rows) * Double(data.featureCount + data.targetWidth)
    trainingRows = data.trainingRows(validation: validation)
  }

  /// The examples of the largest batch for a batch size: `Trainer` sizes the network for at
  /// most the training examples.
  func capacity(batchSize: Int) -> Int {
    max(1, min(batchSize, trainingRows))
  }

  /// The estimate for batches of at most `batch` examples.
  func estimate(batch: Int) -> MemoryEstimate {
    let workspace = planned.map { $0.workspaceCount(batch: batch, threads: 1) }.max() ?? 0
    return MemoryEstimate(
      batch: batch,
      activations: Self.valueSize * (Double(batch) * valuesPerExample + fixedValues),
      workspacePerThread: Self.valueSize * Double(workspace), weights: weights, data: data,
      order: Double(MemoryLayout<Int>.size * trainingRows))
  }

  /// The largest batch of at most `batch` examples whose estimate fits in `limit` bytes on one
  /// thread, or `nil` when not even one example's does.
  func largestBatch(fitting limit: Double, upTo batch: Int) -> Int? {
    guard estimate(batch: 1).bytes() <= limit else { return nil }
    // The estimate grows with the batch; the largest that fits lies in low...high.
    var (low, high) = (1, batch)
    while low < high {
      let middle = low + (high - low + 1) / 2
      if estimate(batch: middle).bytes() <= limit { low = middle } else { high = middle - 1 }
    }
    return low
  }
}
