import Testing

@testable import Descent
@testable import DescentEngine

/// Backpropagation against central finite differences, through the library's `GradientCheck`
/// (double precision, its default step h = 1e-5): every layer, activation and loss, and whole
/// networks.
@Suite struct GradientCheckTests {
  static let tolerance = 1e-6

  /// Targets of `rows` rows for `loss` on a network of `width` outputs.
  static func targets(for loss: Loss, rows: Int, width: Int, seed: UInt64 = 7) -> [Double] {
    switch loss {
    case .crossEntropy:
      return uniformValues(rows, seed: seed, 0, Double(width)).map { $0.rounded(.down) }
    case .binaryCrossEntropy:
      return uniformValues(rows * width, seed: seed, 0, 1)
    case .meanSquaredError, .huber:
      return normalValues(rows * width, seed: seed)
    }
  }

  /// Runs the check and expects every tensor within `tolerance`; returns the results.
  @discardableResult
  func expectAgreement(
    _ layers: [Layer], loss: Loss, inputWidth: Int = 3, rows: Int = 4, inputScale: Double = 1,
    initializer: Initializer = .heNormal, seed: UInt64 = 1,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) -> [GradientCheck.Result] {
    let spec = ModelSpec(layers: layers, initializer: initializer)
    let results = GradientCheck.run(
      spec: spec, loss: loss, inputWidth: inputWidth,
      inputs: normalValues(rows * inputWidth, seed: 5, scale: inputScale),
      targets: Self.targets(
        for: loss, rows: rows, width: spec.outputWidth(inputWidth: inputWidth)),
      seed: seed)
    #expect(!results.isEmpty, sourceLocation: sourceLocation)
    for result in results {
      #expect(
        result.worstRelativeError <= Self.tolerance,
        "\(result.tensor) \(result.shape): worst relative error \(result.worstRelativeError)",
        sourceLocation: sourceLocation)
    }
    return results
  }

  /// The pre-activations of the first dense layer of `units` in a check seeded with `seed`:
  /// the check draws the first layer's weights first, so a network of that layer alone has them.
  func firstLayerOutputs(
    units: Int, inputWidth: Int = 3, rows: Int = 4, inputScale: Double = 1, seed: UInt64 = 1
  ) -> [Double] {
    var network = Network<Double>(
      spec: ModelSpec(layers: [.dense(units: units)]), inputWidth: inputWidth,
      batchCapacity: rows, seed: seed)
    var random = RandomGenerator(seed: seed)
    return network.outputs(
      for: normalValues(rows * inputWidth, seed: 5, scale: inputScale), random: &random)
  }

  // MARK: Layers

  @Test func denseLayerGradientsMatch() {
    expectAgreement([.dense(units: 2)], loss: .meanSquaredError)
    // Two dense layers: the second passes the gradient to the first through dInput = dY W.
    expectAgreement([.dense(units: 5), .dense(units: 2)], loss: .meanSquaredError, rows: 7)
    // A single example and a single output.
    expectAgreement([.dense(units: 3), .dense(units: 1)], loss: .meanSquaredError, rows: 1)
  }

  @Test(arguments: Initializer.allCases)
  func denseLayerGradientsMatchFromEveryInitialization(_ initializer: Initializer) {
    expectAgreement(
      [.dense(units: 4), .activation(.tanh), .dense(units: 3)], loss: .meanSquaredError,
      initializer: initializer)
  }

  static let activations: [Activation] = [
    .relu, .leakyRelu(slope: 0.01), .leakyRelu(slope: 0.2), .elu(alpha: 1), .elu(alpha: 0.5),
    .gelu, .tanh, .sigmoid, .softplus(beta: 1, threshold: 20), .softplus(beta: 3, threshold: 2),
    .identity,
  ]

  @Test(arguments: activations)
  func activationGradientsMatch(_ activation: Activation) {
    // Between two dense layers, so that the activation's backward pass feeds the first one.
    expectAgreement(
      [.dense(units: 6), .activation(activation), .dense(units: 3)], loss: .meanSquaredError,
      rows: 5)
  }

  @Test func activationInputsCoverBothSidesOfTheirKinks() {
    // The activation checks above mean little if every pre-activation had the same sign.
    let z = firstLayerOutputs(units: 6, rows: 5)
    #expect(z.contains { $0 < -0.1 } && z.contains { $0 > 0.1 })
  }

  @Test func softplusGradientMatchesPastItsThreshold() {
    // Inputs scaled by 25 put pre-activations on both sides of the threshold of 20, where
    // softplus turns into the identity.
    let z = firstLayerOutputs(units: 6, inputScale: 25)
    #expect(z.filter { $0 > 21 }.count >= 3 && z.filter { $0 < 19 }.count >= 3, "\(z)")
    expectAgreement(
      [.dense(units: 6), .activation(.softplus(beta: 1, threshold: 20)), .dense(units: 2)],
      loss: .meanSquaredError, inputScale: 25)
  }

  // MARK: Losses

  static let losses: [Loss] = [
    .crossEntropy(labelSmoothing: 0), .crossEntropy(labelSmoothing: 0.1),
    .crossEntropy(labelSmoothing: 0.5), .binaryCrossEntropy, .meanSquaredError,
    .huber(delta: 1), .huber(delta: 0.3),
  ]

  @Test(arguments: losses)
  func lossGradientsMatch(_ loss: Loss) {
    expectAgreement([.dense(units: 5), .activation(.tanh), .dense(units: 4)], loss: loss, rows: 6)
  }

  @Test func huberGradientMatchesOnBothSidesOfDelta() {
    // Outputs of one dense layer against standard normal targets: residuals well spread.
    let outputs = firstLayerOutputs(units: 4, rows: 6)
    let targets = Self.targets(for: .meanSquaredError, rows: 6, width: 4)
    let residuals = zip(outputs, targets).map { abs($0 - $1) }
    #expect(residuals.filter { $0 < 0.4 }.count >= 3 && residuals.filter { $0 > 0.6 }.count >= 3)
    expectAgreement([.dense(units: 4)], loss: .huber(delta: 0.5), rows: 6)
  }

  @Test func crossEntropyGradientMatchesOnLargeLogits() {
    // Inputs scaled by 10 give logits of tens: the fused log-softmax must stay exact.
    expectAgreement(
      [.dense(units: 4)], loss: .crossEntropy(labelSmoothing: 0.1), rows: 5, inputScale: 10)
  }

  // MARK: Whole networks

  @Test func deepNetworkOfEveryActivationMatches() {
    // 23 layers: the first layers' gradients are small, so this is also the case where the
    // check's own rounding shows first (3e-6 with a step of 1e-6, 5e-7 with the default 1e-5).
    var layers: [Layer] = []
    for activation in Self.activations { layers += [.dense(units: 5), .activation(activation)] }
    expectAgreement(
      layers + [.dense(units: 3)], loss: .crossEntropy(labelSmoothing: 0), rows: 6,
      initializer: .xavierNormal)
  }

  @Test func networkWithDropoutMatchesWithItsMaskFixed() {
    let layers: [Layer] = [
      .dense(units: 8), .activation(.relu), .dropout(rate: 0.5), .dense(units: 6),
      .activation(.gelu), .dropout(rate: 0.2), .dense(units: 4),
    ]
    let results = expectAgreement(
      layers, loss: .crossEntropy(labelSmoothing: 0.1), inputWidth: 5, rows: 6)
    #expect(
      results.map(\.tensor) == ["0.weight", "0.bias", "3.weight", "3.bias", "6.weight", "6.bias"])
    // The masks the check drew do drop units: the same draw, replayed.
    var network = Network<Double>(
      spec: ModelSpec(layers: layers), inputWidth: 5, batchCapacity: 6, seed: 1)
    var random = RandomGenerator(seed: 1, stream: .dropout)
    _ = network.outputs(for: normalValues(30, seed: 5), mode: .training, random: &random)
    let mask = network.arena[network.steps[2].scratch..<network.steps[2].scratch + 6 * 8]
    #expect(mask.contains(0) && mask.contains(2))
  }

  @Test(arguments: [Loss.binaryCrossEntropy, .meanSquaredError, .huber(delta: 1)])
  func regressionAndMultiLabelNetworksMatch(_ loss: Loss) {
    expectAgreement(
      [
        .dense(units: 7), .activation(.elu(alpha: 1)), .dropout(rate: 0.3), .dense(units: 5),
        .activation(.sigmoid), .dense(units: 2),
      ], loss: loss, inputWidth: 4, rows: 8, initializer: .torchDefault, seed: 3)
  }

  // MARK: The check can fail

  @Test func checkReportsAGradientThatIsWrongAtAKink() {
    // ReLU's backward pass uses the subgradient 0 at exactly 0, where the central difference
    // sees the average slope 1/2: a deliberately wrong gradient without changing the library.
    // x = [1, 1]; unit 0 of the first layer has weights [1, -1] and bias 0, so z = 0 exactly.
    // Layout: 0.weight [2, 2], 0.bias [2], 2.weight [1, 2], 2.bias [1].
    let parameters: [Double] = [1, -1, 0.5, 0.25, 0, 0, 2, 1, 0]
    let results = GradientCheck.run(
      spec: ModelSpec(layers: [.dense(units: 2), .activation(.relu), .dense(units: 1)]),
      loss: .meanSquaredError, inputWidth: 2, inputs: [1, 1], targets: [3],
      parameters: parameters)
    let errors = Dictionary(
      uniqueKeysWithValues: results.map { ($0.tensor, $0.worstRelativeError) })
    // dL/dw00 is 0 by backpropagation and 2 (y - t) * 2 * 1 / 2 = -4.5 by differences: the
    // relative error |0 - (-4.5)| / 4.5 is 1.
    #expect(abs(errors["0.weight"]! - 1) < 1e-6)
    #expect(abs(errors["0.bias"]! - 1) < 1e-6)
    #expect(errors["2.weight"]! < Self.tolerance && errors["2.bias"]! < Self.tolerance)
  }

  @Test func checkResolvesErrorsWellBelowItsTolerance() {
    // A coarse step h = 0.05 leaves a truncation error of order h^2 f''' / 6 ~ 1e-4 relative in
    // a tanh network: the check reports it, so 1e-6 is a bar that a wrong factor (an error of
    // 1e-2 or more) cannot pass.
    let spec = ModelSpec(layers: [.dense(units: 4), .activation(.tanh), .dense(units: 2)])
    let inputs = normalValues(6, seed: 5)
    let targets = normalValues(4, seed: 7)
    let coarse = GradientCheck.run(
      spec: spec, loss: .meanSquaredError, inputWidth: 3, inputs: inputs, targets: targets,
      step: 0.05)
    let fine = GradientCheck.run(
      spec: spec, loss: .meanSquaredError, inputWidth: 3, inputs: inputs, targets: targets)
    let worstCoarse = coarse.map(\.worstRelativeError).max()!
    let worstFine = fine.map(\.worstRelativeError).max()!
    #expect(worstCoarse > 1e-5)
    #expect(worstFine < 1e-8)
  }
}
