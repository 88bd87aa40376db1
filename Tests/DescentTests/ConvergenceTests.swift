import Testing

@testable import Descent
@testable import DescentEngine

/// Training on real problems reaches the accuracy it should. Sized to run in about a second in a
/// debug build; the seeds are fixed, and each bar holds with room to spare across seeds.
@Suite struct ConvergenceTests {
  @Test func mlpLearnsTheUCIDigits() {
    // 64-64-10, SGD with momentum 0.9, 10 epochs: validation accuracy 0.964 to 0.986 over
    // seeds 1 to 8 (seed 1: 0.964).
    let split = Normalization.standard.apply(
      to: DataSplit(BuiltinDataset.digits.load(), validationFraction: 0.2, seed: 1))
    let validation = split.validation!
    // Stratified: 20% of each class, rounded.
    #expect(split.training.rows + validation.rows == 1797 && abs(validation.rows - 359) <= 5)
    var optimizer = OptimizerSettings(.sgd)
    (optimizer.learningRate, optimizer.momentum) = (0.05, 0.9)
    let settings = TrainingSettings(
      model: ModelSpec(layers: [.dense(units: 64), .activation(.relu), .dense(units: 10)]),
      loss: .crossEntropy(labelSmoothing: 0), optimizer: optimizer, epochs: 10, batchSize: 32,
      seed: 1)
    var trainer = Trainer(
      settings: settings, featureCount: split.training.featureCount,
      trainingRows: split.training.rows)
    let before = trainer.evaluate(validation)
    var losses: [Double] = []
    for _ in 0..<settings.epochs {
      losses.append(trainer.trainEpoch(on: split.training).trainingLoss)
    }
    let after = trainer.evaluate(validation)
    #expect(before.accuracy! < 0.3)
    #expect(after.accuracy! >= 0.95, "validation accuracy \(after.accuracy!)")
    #expect(after.loss < 0.25 && losses.last! < losses.first! / 4, "\(after.loss), \(losses)")
  }

  /// Over seeds 1 to 40, 8 tanh units solve XOR every time, 16 ReLU units all but once (a seed
  /// whose units die); seed 1 is solved by both.
  @Test(arguments: [(Activation.tanh, 8), (.relu, 16)])
  func smallNetworkSolvesXOR(_ activation: Activation, width: Int) {
    let data = Dataset(
      features: [0, 0, 0, 1, 1, 0, 1, 1], targets: [0, 1, 1, 0], featureCount: 2,
      targetWidth: 1, featureNames: ["a", "b"], classNames: ["0", "1"])
    var optimizer = OptimizerSettings(.sgd)
    (optimizer.learningRate, optimizer.momentum) = (0.1, 0.9)
    let settings = TrainingSettings(
      model: ModelSpec(
        layers: [.dense(units: width), .activation(activation), .dense(units: 2)],
        initializer: .xavierUniform),
      loss: .crossEntropy(labelSmoothing: 0), optimizer: optimizer, epochs: 300, batchSize: 4,
      seed: 1)
    var trainer = Trainer(settings: settings, featureCount: 2, trainingRows: 4)
    for _ in 0..<settings.epochs { _ = trainer.trainEpoch(on: data) }
    let evaluation = trainer.evaluate(data)
    #expect(evaluation.accuracy == 1)
    #expect(evaluation.loss < 0.05, "loss \(evaluation.loss)")
  }

  @Test func linearRegressionRecoversItsCoefficients() {
    // y = 2 x0 - 3 x1 + 0.5 exactly: least squares must find the weights and bias.
    let x = normalValues(200, seed: 31).map(Float.init)
    let y = (0..<100).map { (i: Int) -> Float in 2 * x[2 * i] - 3 * x[2 * i + 1] + 0.5 }
    let data = Dataset(
      features: x, targets: y, featureCount: 2, targetWidth: 1, featureNames: ["a", "b"],
      classNames: nil)
    var optimizer = OptimizerSettings(.sgd)
    optimizer.learningRate = 0.1
    let settings = TrainingSettings(
      model: ModelSpec(layers: [.dense(units: 1)]), loss: .meanSquaredError,
      optimizer: optimizer, epochs: 60, batchSize: 10, seed: 1)
    var trainer = Trainer(settings: settings, featureCount: 2, trainingRows: 100)
    for _ in 0..<settings.epochs { _ = trainer.trainEpoch(on: data) }
    expectClose(trainer.network.parameters, [2, -3, 0.5], relative: 1e-4)
    let evaluation = trainer.evaluate(data)
    #expect(evaluation.rmse! < 1e-4 && evaluation.r2! > 0.999_999)
  }
}
