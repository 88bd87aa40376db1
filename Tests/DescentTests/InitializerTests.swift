import Testing

@testable import Descent
@testable import DescentEngine

/// Initial weights: each scheme's distribution, and which random stream they come from.
@Suite struct InitializerTests {
  /// A network with one dense layer of `fanOut x fanIn`.
  func layer(_ initializer: Initializer, fanIn: Int, fanOut: Int, seed: UInt64 = 1)
    -> (weight: [Float], bias: [Float])
  {
    let network = Network<Float>(
      spec: ModelSpec(layers: [.dense(units: fanOut)], initializer: initializer),
      inputWidth: fanIn, batchCapacity: 1, seed: seed)
    let count = fanIn * fanOut
    return (Array(network.parameters[..<count]), Array(network.parameters[count...]))
  }

  func meanAndVariance(_ values: [Float]) -> (Double, Double) {
    let n = Double(values.count)
    let mean = values.reduce(0) { $0 + Double($1) } / n
    let variance = values.reduce(0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n
    return (mean, variance)
  }

  @Test(arguments: Initializer.allCases)
  func weightsAndBiasesHaveTorchShapes(_ initializer: Initializer) {
    let network = Network<Float>(
      spec: ModelSpec(
        layers: [.dense(units: 7), .activation(.relu), .dense(units: 2)], initializer: initializer),
      inputWidth: 5, batchCapacity: 1, seed: 1)
    #expect(network.tensors.map(\.shape) == [[7, 5], [7], [2, 7], [2]])
    #expect(network.parameters.allSatisfy { $0.isFinite })
  }

  /// The uniform schemes with their bounds for fan-in 300, fan-out 200.
  static let uniformBounds: [(Initializer, Double)] = [
    (.heUniform, (6.0 / 300).squareRoot()), (.xavierUniform, (6.0 / 500).squareRoot()),
    (.torchDefault, 1 / 300.0.squareRoot()),
  ]

  @Test(arguments: uniformBounds)
  func uniformWeightsFillTheirBounds(_ initializer: Initializer, bound: Double) {
    let (weight, _) = layer(initializer, fanIn: 300, fanOut: 200)
    let b = Float(bound)
    #expect(weight.allSatisfy { abs($0) <= b })
    // 60000 draws reach within 0.1% of both ends, and have the variance bound^2 / 3 (within 2%;
    // the standard error of a uniform sample variance is 0.45% here).
    #expect(weight.max()! > 0.999 * b && weight.min()! < -0.999 * b)
    let (mean, variance) = meanAndVariance(weight)
    #expect(abs(mean) < 0.01 * bound)
    #expect(abs(variance / (bound * bound / 3) - 1) < 0.02)
  }

  /// The normal schemes with their standard deviations for fan-in 300, fan-out 200.
  static let normalDeviations: [(Initializer, Double)] = [
    (.heNormal, (2.0 / 300).squareRoot()), (.xavierNormal, (2.0 / 500).squareRoot()),
    (.lecunNormal, (1.0 / 300).squareRoot()),
  ]

  @Test(arguments: normalDeviations)
  func normalWeightsHaveTheirMeanAndVariance(_ initializer: Initializer, deviation: Double) {
    let (weight, _) = layer(initializer, fanIn: 300, fanOut: 200)
    let (mean, variance) = meanAndVariance(weight)
    // 60000 draws: the mean's standard error is 0.004 sigma, the variance's 0.6%.
    #expect(abs(mean) < 0.02 * deviation)
    #expect(abs(variance / (deviation * deviation) - 1) < 0.03)
    // A normal, not a uniform: about 4.55% beyond two standard deviations.
    let tails = Double(weight.filter { abs(Double($0)) > 2 * deviation }.count) / 60_000
    #expect(abs(tails - 0.0455) < 0.005)
  }

  @Test(arguments: Initializer.allCases)
  func biasesAreZeroExceptTorchDefaults(_ initializer: Initializer) {
    let (_, bias) = layer(initializer, fanIn: 300, fanOut: 200)
    #expect(bias.count == 200)
    if initializer == .torchDefault {
      // torch.nn.Linear: the bias is uniform in +-1/sqrt(fan_in), like the weight.
      let bound = Float(1 / 300.0.squareRoot())
      #expect(bias.allSatisfy { abs($0) <= bound })
      #expect(bias.max()! > 0.9 * bound && bias.min()! < -0.9 * bound)
    } else {
      #expect(bias.allSatisfy { $0 == 0 })
    }
  }

  @Test func fanOutCountsForXavierOnly() {
    // Same fan-in, different fan-out: xavier's deviation changes, he's does not.
    let narrow = meanAndVariance(layer(.xavierNormal, fanIn: 100, fanOut: 100).weight).1
    let wide = meanAndVariance(layer(.xavierNormal, fanIn: 100, fanOut: 900).weight).1
    #expect(abs(narrow / (2.0 / 200) - 1) < 0.05 && abs(wide / (2.0 / 1000) - 1) < 0.05)
    let he = meanAndVariance(layer(.heNormal, fanIn: 100, fanOut: 900).weight).1
    #expect(abs(he / (2.0 / 100) - 1) < 0.05)
  }

  // MARK: Random streams

  static let spec = ModelSpec(layers: [
    .dense(units: 16), .activation(.relu), .dense(units: 8), .activation(.tanh),
    .dense(units: 3),
  ])

  @Test func sameSeedGivesTheSameWeightsInFloatAndDouble() {
    let single = Network<Float>(spec: Self.spec, inputWidth: 10, batchCapacity: 1, seed: 42)
    let double = Network<Double>(spec: Self.spec, inputWidth: 10, batchCapacity: 4, seed: 42)
    #expect(single.parameters == double.parameters.map(Float.init))
    #expect(
      single.parameters
        == Network<Float>(
          spec: Self.spec, inputWidth: 10, batchCapacity: 32, seed: 42
        ).parameters)
    #expect(
      single.parameters
        != Network<Float>(
          spec: Self.spec, inputWidth: 10, batchCapacity: 1, seed: 43
        ).parameters)
  }

  @Test func dropoutLayersDoNotChangeTheInitialWeights() {
    let withDropout = ModelSpec(layers: [
      .dropout(rate: 0.2), .dense(units: 16), .activation(.relu), .dropout(rate: 0.5),
      .dense(units: 8), .activation(.tanh), .dropout(rate: 0.1), .dense(units: 3),
    ])
    let plain = Network<Float>(spec: Self.spec, inputWidth: 10, batchCapacity: 1, seed: 42)
    let dropped = Network<Float>(spec: withDropout, inputWidth: 10, batchCapacity: 1, seed: 42)
    #expect(plain.parameters == dropped.parameters)
  }

  @Test func reinitializingFromTheSameStreamGivesTheSameWeights() {
    var network = Network<Float>(spec: Self.spec, inputWidth: 10, batchCapacity: 1, seed: 42)
    let first = network.parameters
    var random = RandomGenerator(seed: 42, stream: .initialization)
    network.initializeParameters(random: &random)
    #expect(network.parameters == first)
  }
}
