import Foundation
import Testing

@testable import Descent
@testable import DescentEngine

/// Batch norm, layer norm and residual blocks: gradient checks in double precision (batch norm
/// in training mode, through the batch's statistics), values, gradients, running statistics and
/// evaluation against PyTorch (`TorchNormReference`, from bench/torch_norm_reference.py),
/// buffers kept apart from the parameters, and saved with them.
@Suite struct NormalizationTests {
  // MARK: Gradient checks

  /// Checks every parameter of `layers` on `rows` examples shaped `input` under mse, with the
  /// inputs shifted off zero so that the batch's mean matters.
  func expectAgreement(
    _ layers: [Layer], input: TensorShape, rows: Int,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) {
    let spec = ModelSpec(layers: layers, initializer: .xavierNormal)
    let outputs = spec.outputShape(for: input)!.count
    let results = GradientCheck.run(
      spec: spec, loss: .meanSquaredError, inputWidth: input.count, inputShape: input,
      inputs: normalValues(rows * input.count, seed: 5).map { $0 + 0.7 },
      targets: normalValues(rows * outputs, seed: 7), seed: 3)
    #expect(!results.isEmpty, sourceLocation: sourceLocation)
    for result in results {
      #expect(
        result.worstRelativeError <= 1e-6,
        "\(result.tensor) \(result.shape): worst relative error \(result.worstRelativeError)",
        sourceLocation: sourceLocation)
    }
  }

  @Test func batchNorm1dGradientsMatchThroughTheBatchStatistics() {
    // Between two dense layers, so that the input gradient is checked through the first.
    expectAgreement(
      [.dense(units: 5), .batchNorm(), .activation(.tanh), .dense(units: 3)], input: .flat(4),
      rows: 6)
  }

  @Test func batchNorm2dGradientsMatchThroughTheBatchStatistics() {
    expectAgreement(
      [
        .conv2d(3, kernel: Pair(3), padding: .explicit(Pair(1))),
        .batchNorm(momentum: 0.3, eps: 1e-3),
        .activation(.gelu), .conv2d(2, kernel: Pair(2)), .flatten,
      ], input: .image(channels: 2, height: 4, width: 5), rows: 3)
  }

  @Test func layerNormGradientsMatch() {
    expectAgreement(
      [.dense(units: 6), .layerNorm(), .activation(.tanh), .dense(units: 2)], input: .flat(3),
      rows: 4)
    expectAgreement(
      [.conv2d(2, kernel: Pair(2)), .layerNorm(eps: 1e-3), .flatten, .dense(units: 2)],
      input: .image(channels: 1, height: 4, width: 3), rows: 3)
  }

  @Test func residualGradientsMatchWithAnIdentityShortcut() {
    expectAgreement(
      [
        .conv2d(3, kernel: Pair(1)),
        .residual([
          .conv2d(3, kernel: Pair(3), padding: .same, bias: false), .batchNorm(),
          .activation(.tanh), .conv2d(3, kernel: Pair(3), padding: .same),
        ]),
        .activation(.tanh), .flatten,
      ], input: .image(channels: 2, height: 4, width: 4), rows: 2)
  }

  @Test func residualGradientsMatchWithAProjectionShortcut() {
    expectAgreement(
      [
        .conv2d(2, kernel: Pair(1)),
        .residual(
          [
            .conv2d(3, kernel: Pair(3), stride: Pair(2), padding: .explicit(Pair(1)), bias: false),
            .batchNorm(), .activation(.elu(alpha: 1)),
          ], shortcut: .projection),
        .flatten,
      ], input: .image(channels: 2, height: 5, width: 5), rows: 3)
    // On flat inputs the projection is a dense layer without bias, then batch norm.
    expectAgreement(
      [
        .dense(units: 4), .residual([.dense(units: 3), .activation(.tanh)], shortcut: .projection),
      ],
      input: .flat(3), rows: 4)
  }

  @Test func nestedResidualGradientsMatch() {
    expectAgreement(
      [
        .dense(units: 4),
        .residual(
          [
            .residual([.dense(units: 4), .batchNorm(), .activation(.tanh)]),
            .residual([.dense(units: 3)], shortcut: .projection), .layerNorm(),
          ], shortcut: .projection),
        .dense(units: 2),
      ], input: .flat(3), rows: 5)
  }

  /// Training computes in `Float`, with sums in `Float` lanes about a shift: far from zero
  /// (values about 1000 with spread 1, where a sum of squares less the squared mean would lose
  /// every digit in `Float`) its values and gradients agree with the `Double` passes.
  @Test(arguments: [
    ([Layer.batchNorm()], TensorShape.flat(5)),
    ([.batchNorm(), .flatten], .image(channels: 2, height: 19, width: 21)),
    ([.layerNorm(), .flatten], .image(channels: 2, height: 19, width: 21)),
  ])
  func floatPassesAgreeWithDoubleFarFromZero(_ layers: [Layer], _ shape: TensorShape) {
    let rows = 6
    let spec = ModelSpec(layers: [.activation(.identity)] + layers)
    var random = RandomGenerator(seed: 2)
    var double = Network<Double>(
      spec: spec, inputShape: shape, batchCapacity: rows, random: &random)
    double.setStateDictValues(normalValues(double.parameters.count, seed: 4).map { 1 + 0.5 * $0 })
    var float = Network<Float>(spec: spec, inputShape: shape, batchCapacity: rows, random: &random)
    float.setStateDictValues(double.stateDictValues)
    (double.backpropagationStart, float.backpropagationStart) = (0, 0)
    let x = normalValues(rows * shape.count, seed: 6).map { 1000 + $0 }
    let targets = normalValues(rows * shape.count, seed: 8)
    let y = double.outputs(for: x, mode: .training, random: &random)
    let yFloat = float.outputs(for: x.map(Float.init), mode: .training, random: &random)
    expectClose(yFloat.map(Double.init), y, relative: 2e-3, "values")
    double.withBatchBuffers { _, t in t.update(from: targets, count: targets.count) }
    float.withBatchBuffers { _, t in t.update(from: targets.map(Float.init), count: targets.count) }
    double.loss(.meanSquaredError, batch: rows, backward: true)
    float.loss(.meanSquaredError, batch: rows, backward: true)
    expectClose(float.gradients.map(Double.init), double.gradients, relative: 2e-3, "gradients")
    let delta = double.steps[0].delta
    expectClose(
      Array(float.arena[delta..<delta + x.count]).map(Double.init),
      Array(double.arena[delta..<delta + x.count]), relative: 2e-3, floor: 1e-2,
      "input gradients")
    expectClose(
      float.buffers.map(Double.init), double.buffers, relative: 1e-5, "running statistics")
  }

  // MARK: Against PyTorch

  struct Reference: Sendable, CustomTestStringConvertible {
    var name: String
    var layer: Layer
    var reference: TorchNormReference.Case
    var testDescription: String { name }
  }

  static let references = [
    Reference(name: "batchNorm1d", layer: .batchNorm(), reference: TorchNormReference.batchNorm1d),
    Reference(name: "batchNorm2d", layer: .batchNorm(), reference: TorchNormReference.batchNorm2d),
    Reference(
      name: "batchNorm2dSettings", layer: .batchNorm(momentum: 0.25, eps: 1e-3),
      reference: TorchNormReference.batchNorm2dSettings),
    Reference(
      name: "layerNormFlat", layer: .layerNorm(), reference: TorchNormReference.layerNormFlat),
    Reference(
      name: "layerNormImage", layer: .layerNorm(eps: 1e-3),
      reference: TorchNormReference.layerNormImage),
    Reference(
      name: "residualIdentity",
      layer: .residual([
        .conv2d(3, kernel: Pair(3), padding: .explicit(Pair(1)), bias: false), .batchNorm(),
        .activation(.relu), .conv2d(3, kernel: Pair(3), padding: .explicit(Pair(1)), bias: false),
        .batchNorm(),
      ]), reference: TorchNormReference.residualIdentity),
    Reference(
      name: "residualProjection",
      layer: .residual(
        [
          .conv2d(4, kernel: Pair(3), stride: Pair(2), padding: .explicit(Pair(1)), bias: false),
          .batchNorm(), .activation(.relu),
        ], shortcut: .projection), reference: TorchNormReference.residualProjection),
    Reference(
      name: "residualFlatProjection",
      layer: .residual([.dense(units: 4), .activation(.tanh)], shortcut: .projection),
      reference: TorchNormReference.residualFlatProjection),
    Reference(
      name: "residualNested",
      layer: .residual([.residual([.dense(units: 5), .activation(.relu)]), .layerNorm()]),
      reference: TorchNormReference.residualNested),
  ]

  /// The script's inputs: `2 sin(0.37 i + 0.1 + step) + 0.5`.
  static func input(_ count: Int, step: Int) -> [Double] {
    (0..<count).map { 2 * sin(0.37 * Double($0) + 0.1 + Double(step)) + 0.5 }
  }

  @Test(arguments: references)
  func trainingAndEvaluationMatchPyTorch(_ c: Reference) throws {
    let reference = c.reference
    let shape = TensorShape(reference.input)
    let batch = reference.batch
    var random = RandomGenerator(seed: 1, stream: .initialization)
    // The first layer gets no input gradient; an identity before the layer under test receives
    // it as its output gradient once backpropagation starts there.
    var network = Network<Double>(
      spec: ModelSpec(layers: [.activation(.identity), c.layer]), inputShape: shape,
      batchCapacity: batch, random: &random)
    network.backpropagationStart = 0
    network.setStateDictValues(
      (0..<network.parameters.count).map { 0.5 * cos(0.23 * Double($0)) + 0.3 })
    var values: [Double] = []
    for step in 0..<reference.steps {
      values = network.outputs(
        for: Self.input(batch * shape.count, step: step), mode: .training, random: &random)
    }
    expectClose(values, reference.values, relative: 1e-10, "values")

    // Under mse, targets y - g * count / 2 make the output's gradient g, the script's upstream
    // gradient.
    let count = Double(values.count)
    let targets = values.indices.map { values[$0] - cos(0.11 * Double($0)) * count / 2 }
    network.withBatchBuffers { _, t in t.update(from: targets, count: targets.count) }
    network.loss(.meanSquaredError, batch: batch, backward: true)
    let delta = network.steps[0].delta
    let inputGradient = Array(network.arena[delta..<delta + batch * shape.count])
    expectClose(
      inputGradient, reference.inputGradient, relative: 1e-9, floor: 1e-3, "input gradient")
    expectClose(
      network.stateDictGradients, reference.parameterGradients, relative: 1e-9, floor: 1e-3,
      "parameter gradients")

    let buffers = network.bufferTensors.flatMap { tensor in
      let range = tensor.offset..<tensor.offset + tensor.count
      return tensor.kind == .counter
        ? network.counters[range].map(Double.init) : Array(network.buffers[range])
    }
    expectClose(buffers, reference.buffers, relative: 1e-12, "buffers")

    let evaluation = network.outputs(
      for: Self.input(batch * shape.count, step: reference.steps), mode: .evaluation,
      random: &random)
    expectClose(evaluation, reference.evaluation, relative: 1e-10, "evaluation")
  }
}

extension Network {
  /// The gradients in PyTorch's layout, as `stateDictValues` gives the parameters.
  var stateDictGradients: [T] {
    var copy = self
    copy.parameters = gradients
    return copy.stateDictValues
  }
}

/// Buffers beside the parameters: saved and loaded with them, updated by training only, and
/// out of the optimizers' sight.
@Suite struct BufferTests {
  /// Batch norm at the top level, in a block's body and in its projection, and a layer norm:
  /// `1.*`, `3.body.1.*` and `3.shortcut.1.*` have buffers.
  static let spec = ModelSpec(layers: [
    .dense(units: 4), .batchNorm(), .activation(.relu),
    .residual([.dense(units: 3), .batchNorm()], shortcut: .projection), .layerNorm(),
    .dense(units: 2),
  ])

  static let stateDictNames = [
    "0.weight", "0.bias",
    "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked",
    "3.body.0.weight", "3.body.0.bias",
    "3.body.1.weight", "3.body.1.bias", "3.body.1.running_mean", "3.body.1.running_var",
    "3.body.1.num_batches_tracked",
    "3.shortcut.0.weight",
    "3.shortcut.1.weight", "3.shortcut.1.bias", "3.shortcut.1.running_mean",
    "3.shortcut.1.running_var", "3.shortcut.1.num_batches_tracked",
    "4.weight", "4.bias", "5.weight", "5.bias",
  ]

  /// The network of `spec` on 3 features after `steps` training forward passes.
  static func trained(steps: Int, seed: UInt64) -> Network<Float> {
    var network = Network<Float>(spec: spec, inputWidth: 3, batchCapacity: 5, seed: seed)
    var random = RandomGenerator(seed: seed)
    for step in 0..<steps {
      _ = network.outputs(
        for: normalValues(15, seed: UInt64(step)).map(Float.init), mode: .training,
        random: &random)
    }
    return network
  }

  @Test func stateDictInterleavesBuffersAsPyTorchOrdersThem() {
    let network = Self.trained(steps: 0, seed: 1)
    #expect(network.stateDict.map(\.name) == Self.stateDictNames)
    // The optimizers see the parameters alone.
    #expect(network.tensors.allSatisfy { $0.kind == .parameter })
    #expect(network.parameters.count == network.tensors.reduce(0) { $0 + $1.count })
    #expect(
      network.bufferTensors.map(\.name).allSatisfy {
        $0.contains("running_") || $0.contains("num_batches")
      })
    // Running means start at 0, variances at 1, counters at 0.
    #expect(
      network.buffers == [Float](repeating: 0, count: 4) + Array(repeating: 1, count: 4)
        + Array(repeating: 0, count: 3) + Array(repeating: 1, count: 3)
        + Array(repeating: 0, count: 3) + Array(repeating: 1, count: 3))
    #expect(network.counters == [0, 0, 0])
  }

  @Test func buffersRoundTripThroughSafetensorsWithAnInt64Counter() throws {
    let saved = Self.trained(steps: 3, seed: 1)
    #expect(saved.counters == [3, 3, 3])
    let data = saved.safetensorsData()
    let length = Int(
      data.prefix(8).enumerated().reduce(UInt64(0)) {
        $0 | UInt64($1.element) << (8 * UInt64($1.offset))
      })
    let header = try #require(
      try JSONSerialization.jsonObject(with: data[8..<8 + length]) as? [String: [String: Any]])
    let counter = try #require(header["3.body.1.num_batches_tracked"])
    #expect(counter["dtype"] as? String == "I64")
    #expect((counter["shape"] as? [Int]) == [])
    let offsets = try #require(counter["data_offsets"] as? [Int])
    #expect(offsets[1] - offsets[0] == 8)
    let bytes = Array(data[(8 + length + offsets[0])..<(8 + length + offsets[1])])
    #expect(bytes == [3, 0, 0, 0, 0, 0, 0, 0])
    #expect(header["1.running_var"]?["dtype"] as? String == "F32")
    // The header lists the tensors in state_dict order.
    let text = String(decoding: data[8..<8 + length], as: UTF8.self)
    let positions = Self.stateDictNames.map { text.range(of: "\"\($0)\"")!.lowerBound }
    #expect(positions == positions.sorted())

    var loaded = Self.trained(steps: 0, seed: 2)
    try loaded.loadSafetensors(data, file: "weights.safetensors")
    #expect(loaded.parameters == saved.parameters)
    #expect(loaded.buffers == saved.buffers)
    #expect(loaded.counters == saved.counters)
    // And so the same outputs in evaluation, which reads the running statistics.
    var a = saved
    var random = RandomGenerator(seed: 0)
    let x = normalValues(6, seed: 9).map(Float.init)
    #expect(a.outputs(for: x, random: &random) == loaded.outputs(for: x, random: &random))
  }

  @Test func aCounterMustBeInt64AndEveryBufferPresent() throws {
    let data = Self.trained(steps: 1, seed: 1).safetensorsData()
    let length = Int(
      data.prefix(8).enumerated().reduce(UInt64(0)) {
        $0 | UInt64($1.element) << (8 * UInt64($1.offset))
      })
    let header = String(decoding: data[8..<8 + length], as: UTF8.self)
    func file(_ header: String) -> Data {
      var bytes = Data()
      withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
      return bytes + Data(header.utf8) + data[(8 + length)...]
    }
    func message(_ file: Data) -> String? {
      var network = Self.trained(steps: 0, seed: 1)
      let before = (network.buffers, network.counters)
      do {
        try network.loadSafetensors(file, file: "weights.safetensors")
        return nil
      } catch {
        #expect(network.buffers == before.0 && network.counters == before.1)
        return "\(error)"
      }
    }
    let float = header.replacingOccurrences(
      of: #""1.num_batches_tracked":{"dtype":"I64""#,
      with: #""1.num_batches_tracked":{"dtype":"F64""#)
    #expect(float != header)
    #expect(
      message(file(float))
        == "weights.safetensors: tensor '1.num_batches_tracked' has dtype F64; expected I64")
    let renamed = header.replacingOccurrences(
      of: "\"3.body.1.running_mean\"", with: "\"3.body.1.running_mu\"")
    #expect(
      message(file(renamed))
        == "weights.safetensors: tensor '3.body.1.running_mu' is not in the model (expected \(Self.stateDictNames.joined(separator: ", ")))"
    )
  }

  static let data = Dataset(
    features: normalValues(37 * 3, seed: 21).map(Float.init),
    targets: (0..<37).map { Float($0 % 2) }, featureCount: 3, targetWidth: 1,
    featureNames: ["a", "b", "c"], classNames: ["x", "y"])

  static func settings(dropLast: Bool) -> TrainingSettings {
    var optimizer = OptimizerSettings(.sgd)
    optimizer.weightDecay = 0.5
    return TrainingSettings(
      model: spec, loss: .crossEntropy(labelSmoothing: 0), optimizer: optimizer,
      clipping: GradientClipping(maxNorm: 0.1), epochs: 2, batchSize: 8, dropLast: dropLast,
      seed: 4)
  }

  @Test func trainingCountsItsBatchesAndEvaluationLeavesTheStatisticsAlone() {
    // 37 examples in batches of 8: four full batches and one of 5, which drop_last leaves out.
    for (dropLast, batches) in [(false, 5), (true, 4)] {
      var trainer = Trainer(
        settings: Self.settings(dropLast: dropLast), featureCount: 3, trainingRows: 37)
      let summary = trainer.trainEpoch(on: Self.data)
      #expect(summary.step == batches)
      #expect(trainer.network.counters == [Int64](repeating: Int64(batches), count: 3))
      #expect(trainer.network.buffers != Self.trained(steps: 0, seed: 1).buffers)
      let buffers = trainer.network.buffers
      _ = trainer.evaluate(Self.data)
      #expect(trainer.network.buffers == buffers)
      #expect(trainer.network.counters == [Int64](repeating: Int64(batches), count: 3))
    }
    #expect(Self.settings(dropLast: true).batchesPerEpoch(rows: 37) == 4)
    #expect(Self.settings(dropLast: false).batchesPerEpoch(rows: 37) == 5)
  }

  @Test func aRunStartingFromSavedWeightsRestoresTheirBuffers() throws {
    let saved = Self.trained(steps: 4, seed: 3)
    var trainer = Trainer(
      settings: Self.settings(dropLast: false), featureCount: 3, trainingRows: 37)
    try trainer.loadSafetensors(saved.safetensorsData(), file: "weights.safetensors")
    #expect(trainer.network.parameters == saved.parameters)
    #expect(trainer.network.buffers == saved.buffers)
    #expect(trainer.network.counters == [4, 4, 4])
  }
}

extension BufferTests {
  /// Batch norm splits its channels and layer norm its examples across a run's threads; each
  /// channel and example is computed alike, so two threads give the bits of one.
  @Test func twoThreadsGiveTheBitsOfOne() {
    let data = BuiltinDataset.digits.load()
    let settings = TrainingSettings(
      model: ModelSpec(layers: [
        .conv2d(4, kernel: Pair(3), padding: .same, bias: false), .batchNorm(),
        .activation(.relu),
        .residual(
          [.conv2d(6, kernel: Pair(3), padding: .same), .batchNorm(), .layerNorm()],
          shortcut: .projection),
        .globalAvgPool2d, .flatten, .dense(units: 10),
      ]),
      loss: .crossEntropy(labelSmoothing: 0), optimizer: OptimizerSettings(.sgd), epochs: 1,
      batchSize: 64, seed: 3)
    var trainers = [1, 2].map { threads in
      Trainer(
        settings: settings, featureCount: 64, inputShape: .image(channels: 1, height: 8, width: 8),
        trainingRows: data.rows, threads: threads)
    }
    for i in trainers.indices { _ = trainers[i].trainEpoch(on: data) }
    #expect(trainers[0].network.parameters == trainers[1].network.parameters)
    #expect(trainers[0].network.buffers == trainers[1].network.buffers)
    #expect(trainers[0].network.counters == [29, 29, 29])
  }
}
