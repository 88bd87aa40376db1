import Testing

@testable import Descent
@testable import DescentEngine

/// What a training run's seed decides, whatever else differs between runs.
@Suite struct TrainerTests {
  /// 37 examples of 5 features in 3 classes: batches of 8 leave a short last batch.
  static let data = Dataset(
    features: normalValues(37 * 5, seed: 21).map(Float.init),
    targets: (0..<37).map { Float($0 % 3) }, featureCount: 5, targetWidth: 1,
    featureNames: (0..<5).map { "x\($0)" }, classNames: ["a", "b", "c"])

  static func settings(
    _ optimizer: OptimizerSettings,
    layers: [Layer] = [.dense(units: 6), .activation(.tanh), .dense(units: 3)]
  ) -> TrainingSettings {
    TrainingSettings(
      model: ModelSpec(layers: layers), loss: .crossEntropy(labelSmoothing: 0),
      optimizer: optimizer, epochs: 3, batchSize: 8, seed: 9)
  }

  /// Replays `epochs` epochs by hand: weights from the seed's initialization stream, batches in
  /// the order its data-order stream shuffles, and `optimizer` stepped on each batch's gradient.
  static func replay(_ settings: TrainingSettings, epochs: Int) -> [Float] {
    var random = RandomGenerator(seed: settings.seed, stream: .initialization)
    var network = Network<Float>(
      spec: settings.model, inputWidth: 5, batchCapacity: 8, random: &random)
    var optimizer = settings.optimizer.makeOptimizer(parameterCount: network.parameters.count)
    var order = RandomGenerator(seed: settings.seed, stream: .dataOrder)
    var dropout = RandomGenerator(seed: settings.seed, stream: .dropout)
    var indices = Array(0..<data.rows)
    for _ in 0..<epochs {
      order.shuffle(&indices)
      for start in stride(from: 0, to: indices.count, by: 8) {
        let batch = indices[start..<min(start + 8, indices.count)]
        network.withBatchBuffers { data.gather(batch, inputs: $0, targets: $1) }
        network.forward(batch: batch.count, mode: .training, random: &dropout)
        network.loss(settings.loss, batch: batch.count, backward: true)
        optimizer.step(
          parameters: &network.parameters, gradients: network.gradients,
          learningRate: settings.optimizer.learningRate, momentum: nil)
      }
    }
    return network.parameters
  }

  static let optimizers: [OptimizerSettings] = {
    var momentum = OptimizerSettings(.sgd)
    momentum.momentum = 0.9
    return [
      OptimizerSettings(.sgd), momentum, OptimizerSettings(.adam), OptimizerSettings(.rmsprop),
      OptimizerSettings(.adagrad),
    ]
  }()

  @Test func runsThatDifferOnlyInOptimizerStartFromTheSameWeights() {
    let starts = Self.optimizers.map {
      Trainer(settings: Self.settings($0), featureCount: 5, trainingRows: 37).network.parameters
    }
    #expect(starts.allSatisfy { $0 == starts[0] })
  }

  @Test(arguments: optimizers)
  func everyOptimizerSeesTheSeedsBatchOrder(_ optimizer: OptimizerSettings) {
    // Equal to the last bit to a replay that draws the order from the seed alone, so every
    // optimizer sees the same batches.
    var trainer = Trainer(settings: Self.settings(optimizer), featureCount: 5, trainingRows: 37)
    for _ in 0..<3 { _ = trainer.trainEpoch(on: Self.data) }
    #expect(trainer.network.parameters == Self.replay(Self.settings(optimizer), epochs: 3))
  }

  @Test func dropoutDoesNotChangeTheBatchOrder() {
    // With dropout at rate 0 the masks are all ones but are still drawn: the weights must be
    // those of the same network without the dropout layer.
    let sgd = OptimizerSettings(.sgd)
    var plain = Trainer(settings: Self.settings(sgd), featureCount: 5, trainingRows: 37)
    var dropped = Trainer(
      settings: Self.settings(
        sgd, layers: [.dense(units: 6), .activation(.tanh), .dropout(rate: 0), .dense(units: 3)]),
      featureCount: 5, trainingRows: 37)
    #expect(plain.network.parameters == dropped.network.parameters)
    for _ in 0..<2 {
      _ = plain.trainEpoch(on: Self.data)
      _ = dropped.trainEpoch(on: Self.data)
    }
    #expect(plain.network.parameters == dropped.network.parameters)
  }

  @Test func epochSummaryCountsStepsAndAveragesTheLoss() {
    var trainer = Trainer(
      settings: Self.settings(OptimizerSettings(.sgd)), featureCount: 5, trainingRows: 37)
    let before = trainer.evaluate(Self.data)
    let summary = trainer.trainEpoch(on: Self.data)
    // 37 rows in batches of 8: 5 steps, the last of 5 rows.
    #expect(summary.epoch == 1 && summary.step == 5 && !summary.diverged)
    // The mean loss over the epoch was measured while training with lr 0.01: close to the
    // loss before training.
    #expect(abs(summary.trainingLoss - before.loss) < 0.05)
    #expect(summary.gradientNorm > 0)
  }

  @Test func divergenceIsReportedAndStopsTheEpoch() {
    // Least squares with a step far beyond 2 / (largest curvature): the weights grow
    // geometrically until the loss overflows.
    let data = Dataset(
      features: normalValues(37 * 5, seed: 22).map(Float.init),
      targets: normalValues(37, seed: 23).map(Float.init), featureCount: 5, targetWidth: 1,
      featureNames: (0..<5).map { "x\($0)" }, classNames: nil)
    var optimizer = OptimizerSettings(.sgd)
    optimizer.learningRate = 100
    let settings = TrainingSettings(
      model: ModelSpec(layers: [.dense(units: 1)]), loss: .meanSquaredError,
      optimizer: optimizer, epochs: 10, batchSize: 8, seed: 9)
    var trainer = Trainer(settings: settings, featureCount: 5, trainingRows: 37)
    var summaries: [Trainer.EpochSummary] = []
    while summaries.count < 10 && summaries.last?.diverged != true {
      summaries.append(trainer.trainEpoch(on: data))
    }
    let last = summaries.last!
    #expect(last.diverged)
    #expect(!last.trainingLoss.isFinite || last.trainingLoss > 1e30)
    // The step that diverged was not taken, so the epoch took fewer than its 5 steps.
    #expect(last.step < 5 * summaries.count)
  }
}
