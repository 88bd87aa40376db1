import MallocCounter
import Testing

@testable import Descent
@testable import DescentEngine

/// A training step allocates nothing on the heap: every buffer of a run is allocated when the
/// trainer is built.
///
/// The promise is about the optimized build that trains: unoptimized code boxes closure
/// contexts and generic values on the heap. `.ci/run` runs this suite with `-c release`.
struct AllocationTests {
  #if DEBUG
    static let optimized = false
  #else
    static let optimized = true
  #endif

  @Test(
    .enabled(if: optimized, "allocation-free only when optimized: swift test -c release"),
    arguments: OptimizerSettings.Name.allCases)
  func trainingEpochAllocatesNothing(optimizer name: OptimizerSettings.Name) throws {
    var optimizer = OptimizerSettings(name)
    optimizer.momentum = name == .sgd || name == .rmsprop ? 0.9 : 0
    var schedule = ScheduleSettings(.oneCycle)
    schedule.interval = .batch
    schedule.cycleMomentum = name != .adagrad
    let settings = TrainingSettings(
      model: ModelSpec(layers: [
        .dense(units: 16), .activation(.gelu), .dropout(rate: 0.2), .dense(units: 3),
      ]),
      loss: .crossEntropy(labelSmoothing: 0.1), optimizer: optimizer, schedule: schedule,
      clipping: GradientClipping(maxNorm: 1, maxValue: 0.5), epochs: 3, batchSize: 32, seed: 1)
    expectNoAllocation(training: settings, on: BuiltinDataset.iris.load())
  }

  @Test(.enabled(if: optimized, "allocation-free only when optimized: swift test -c release"))
  func convolutionalTrainingEpochAllocatesNothing() throws {
    // The digits as 8x8 images through every kind of layer that images take.
    let settings = TrainingSettings(
      model: ModelSpec(layers: [
        .conv2d(6, kernel: Pair(3), padding: .explicit(Pair(1))), .activation(.relu),
        .maxPool2d(Pair(2)), .dropout(rate: 0.1),
        .conv2d(8, kernel: Pair(3), padding: .same, groups: 2), .activation(.relu),
        .avgPool2d(Pair(2)), .conv2d(8, kernel: Pair(1)), .globalAvgPool2d, .flatten,
        .dense(units: 10),
      ]),
      loss: .crossEntropy(labelSmoothing: 0), optimizer: OptimizerSettings(.sgd), epochs: 2,
      batchSize: 64, seed: 1)
    expectNoAllocation(
      training: settings, on: BuiltinDataset.digits.load(),
      inputShape: .image(channels: 1, height: 8, width: 8))
  }

  @Test(.enabled(if: optimized, "allocation-free only when optimized: swift test -c release"))
  func normalizedResidualTrainingEpochAllocatesNothing() throws {
    // Batch norm (2-D and, in the flat block, 1-D), layer norm and nested residual blocks with
    // both kinds of shortcut, their running statistics updated at every step.
    let settings = TrainingSettings(
      model: ModelSpec(layers: [
        .conv2d(4, kernel: Pair(3), padding: .explicit(Pair(1)), bias: false), .batchNorm(),
        .activation(.relu),
        .residual([
          .conv2d(4, kernel: Pair(3), padding: .same, bias: false), .batchNorm(),
          .activation(.relu), .residual([.conv2d(4, kernel: Pair(1)), .batchNorm()]),
        ]),
        .residual(
          [
            .conv2d(8, kernel: Pair(3), stride: Pair(2), padding: .explicit(Pair(1))),
            .batchNorm(),
          ], shortcut: .projection),
        .layerNorm(), .globalAvgPool2d, .flatten,
        .residual([.dense(units: 6), .batchNorm(), .activation(.tanh)], shortcut: .projection),
        .dense(units: 10),
      ]),
      loss: .crossEntropy(labelSmoothing: 0), optimizer: OptimizerSettings(.sgd), epochs: 2,
      batchSize: 64, seed: 1)
    let trainer = expectNoAllocation(
      training: settings, on: BuiltinDataset.digits.load(),
      inputShape: .image(channels: 1, height: 8, width: 8))
    // Two epochs of 29 batches each counted by every batch norm.
    #expect(trainer.network.counters.allSatisfy { $0 == 2 * 29 })
  }

  @Test func counterSeesAnAllocation() {
    descent_malloc_counter_start()
    let array = [Int](repeating: 7, count: 1000)
    let allocations = descent_malloc_counter_stop()
    #expect(array.count == 1000)
    #if os(Linux)
      #expect(allocations >= 1)
    #endif
  }

  /// Trains an epoch (the first step may touch lazily created state), then expects a second
  /// epoch and an evaluation to allocate nothing and give finite losses.
  ///
  /// - Returns: the trainer after the two epochs.
  @discardableResult
  private func expectNoAllocation(
    training settings: TrainingSettings, on data: Dataset, inputShape: TensorShape? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
  ) -> Trainer {
    var trainer = Trainer(
      settings: settings, featureCount: data.featureCount, inputShape: inputShape,
      trainingRows: data.rows)
    _ = trainer.trainEpoch(on: data)

    descent_malloc_counter_start()
    let summary = trainer.trainEpoch(on: data)
    let evaluation = trainer.evaluate(data)
    let allocations = descent_malloc_counter_stop()

    #expect(
      summary.trainingLoss.isFinite && evaluation.loss.isFinite, sourceLocation: sourceLocation)
    #if os(Linux)
      #expect(allocations == 0, sourceLocation: sourceLocation)
    #endif
    return trainer
  }
}
