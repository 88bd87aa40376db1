import DescentEngine

/// What computed a result: the version of Descent and a fingerprint of its arithmetic.
///
/// The version alone does not tell two builds apart whose numbers differ: a change to a kernel,
/// the instruction set the kernels run on, or the compiler can change the last bits of every
/// result. The fingerprint is measured, not declared: the bits of a small network trained for a
/// few steps with every optimizer, through convolution, batch norm, a residual block, pooling,
/// dropout and dense layers. Two builds with the same fingerprint computed that network
/// identically (machines with and without AVX-512 do: their kernels agree bit for bit); results
/// are kept across invocations only when both the version and the fingerprint match.
public struct EngineIdentity: Sendable, Hashable, Codable, CustomStringConvertible {
  public var version: String
  /// 16 hexadecimal digits, such as `9f3c0a1b2d4e5f60`.
  public var engine: String

  public init(version: String, engine: String) {
    self.version = version
    self.engine = engine
  }

  /// This build, on this CPU; measured once per process (a few milliseconds).
  public static let current = EngineIdentity(version: Descent.version, engine: measuredFingerprint())

  public var description: String { "descent \(version) (engine \(engine))" }

  private static func measuredFingerprint() -> String {
    var hash = FNV1a64()
    func mix(_ word: UInt64) { hash.add(word) }
    let shape = TensorShape.image(channels: 2, height: 8, width: 8)
    let rows = 24
    var random = RandomGenerator(seed: 0x5eed, stream: .synthetic)
    let features = (0..<rows * shape.count).map { _ in Float(random.normal()) }
    let targets = (0..<rows).map { Float($0 % 3) }
    let data = Dataset(
      features: features, targets: targets, featureCount: shape.count, targetWidth: 1,
      featureNames: (0..<shape.count).map { "x\($0)" }, classNames: ["a", "b", "c"],
      exampleShape: shape)
    let convolution = Layer.conv2d(6, kernel: Pair(3), padding: .explicit(Pair(1)), bias: false)
    let model = ModelSpec(layers: [
      convolution, .batchNorm(), .activation(.relu),
      .residual([convolution, .batchNorm(), .activation(.tanh), convolution]),
      .maxPool2d(Pair(2)), .flatten, .dense(units: 160), .activation(.relu),
      .dropout(rate: 0.25), .dense(units: 3),
    ])
    for name in OptimizerSettings.Name.allCases {
      var optimizer = OptimizerSettings(name)
      optimizer.learningRate = 0.01
      optimizer.momentum = name == .sgd ? 0.9 : 0
      let settings = TrainingSettings(
        model: model, loss: .crossEntropy(labelSmoothing: 0.1), optimizer: optimizer,
        epochs: 1, batchSize: 10, seed: 7)
      var trainer = Trainer(
        settings: settings, featureCount: shape.count, inputShape: shape, trainingRows: rows)
      let summary = trainer.trainEpoch(on: data)
      mix(summary.trainingLoss.bitPattern)
      for value in trainer.network.parameters + trainer.network.buffers {
        mix(UInt64(value.bitPattern))
      }
      mix(trainer.evaluate(data).loss.bitPattern)
    }
    return hash.hexadecimal
  }
}
