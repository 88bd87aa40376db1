import Testing

@testable import Descent
@testable import DescentEngine

/// Convolution, pooling and flatten: gradient checks in double precision across strides,
/// paddings, dilations and groups, forward passes against a direct loop, and shapes.
@Suite struct ConvolutionTests {
  static let tolerance = 1e-6

  /// Checks every tensor of `layers` on `rows` examples shaped `input`, under mse on the
  /// network's whole output; returns the results.
  @discardableResult
  func expectAgreement(
    _ layers: [Layer], input: TensorShape, rows: Int = 2, seed: UInt64 = 1,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) -> [GradientCheck.Result] {
    let spec = ModelSpec(layers: layers, initializer: .xavierNormal)
    let outputs = spec.outputShape(for: input)!.count
    let results = GradientCheck.run(
      spec: spec, loss: .meanSquaredError, inputWidth: input.count, inputShape: input,
      inputs: normalValues(rows * input.count, seed: 5),
      targets: normalValues(rows * outputs, seed: 7), seed: seed)
    for result in results {
      #expect(
        result.worstRelativeError <= Self.tolerance,
        "\(result.tensor) \(result.shape): worst relative error \(result.worstRelativeError)",
        sourceLocation: sourceLocation)
    }
    return results
  }

  struct ConvCase: Sendable, CustomTestStringConvertible {
    var input: TensorShape
    var layer: Conv2d
    var testDescription: String { "\(input) \(layer.resolvedEntry)" }
  }

  static let convolutions: [ConvCase] = [
    ConvCase(input: .image(channels: 1, height: 5, width: 5), layer: Conv2d(outChannels: 2, kernel: Pair(3))),
    ConvCase(
      input: .image(channels: 2, height: 6, width: 5),
      layer: Conv2d(outChannels: 3, kernel: Pair(3, 2), stride: Pair(2, 1), padding: .explicit(Pair(1, 0)))),
    ConvCase(
      input: .image(channels: 2, height: 7, width: 7),
      layer: Conv2d(outChannels: 2, kernel: Pair(3), dilation: Pair(2, 1), groups: 1, bias: false)),
    ConvCase(
      input: .image(channels: 4, height: 5, width: 6),
      layer: Conv2d(outChannels: 6, kernel: Pair(2), stride: Pair(1, 2), padding: .explicit(Pair(1)), groups: 2)),
    // Depthwise: one kernel per channel.
    ConvCase(
      input: .image(channels: 3, height: 5, width: 5),
      layer: Conv2d(outChannels: 3, kernel: Pair(3), stride: Pair(2), padding: .explicit(Pair(1)), groups: 3)),
    // Same padding with an even kernel pads one more after than before.
    ConvCase(
      input: .image(channels: 1, height: 4, width: 5),
      layer: Conv2d(outChannels: 2, kernel: Pair(2), padding: .same)),
    ConvCase(
      input: .image(channels: 2, height: 5, width: 5),
      layer: Conv2d(outChannels: 2, kernel: Pair(3), padding: .same, dilation: Pair(2))),
  ]

  @Test(arguments: convolutions)
  func convolutionGradientsMatch(_ c: ConvCase) {
    let results = expectAgreement([Layer(c.layer)], input: c.input)
    #expect(results.map(\.tensor) == (c.layer.bias ? ["0.weight", "0.bias"] : ["0.weight"]))
    // Between two convolutions, the first one receives the second's input gradient.
    expectAgreement(
      [Layer(c.layer), .activation(.tanh), .conv2d(2, kernel: Pair(1))], input: c.input)
  }

  @Test(arguments: convolutions)
  func convolutionForwardMatchesADirectLoop(_ c: ConvCase) throws {
    let rows = 2
    var network = Network<Double>(
      spec: ModelSpec(layers: [Layer(c.layer)], initializer: .torchDefault),
      inputShape: c.input, batchCapacity: rows, random: &Self.random)
    let x = normalValues(rows * c.input.count, seed: 3)
    var random = RandomGenerator(seed: 0)
    network.withBatchBuffers { inputs, _ in inputs.update(from: x, count: x.count) }
    network.forward(batch: rows, mode: .evaluation, random: &random)
    let out = network.outputShape
    let actual = network.withOutputs { Array(UnsafeBufferPointer(start: $0, count: rows * out.count)) }
    let expected = Self.directConvolution(
      c.layer, input: c.input, output: out, x: x, parameters: network.stateDictValues, rows: rows)
    expectClose(actual, expected, relative: 1e-12)
  }

  nonisolated(unsafe) static var random = RandomGenerator(seed: 9, stream: .initialization)

  /// `y[b, o, oy, ox] = bias[o] + sum over c, i, j of w[o, c, i, j] x[b, g*Cg + c, y, x]`,
  /// written straight from the definition in REFERENCE.md.
  static func directConvolution(
    _ layer: Conv2d, input: TensorShape, output: TensorShape, x: [Double], parameters: [Double],
    rows: Int
  ) -> [Double] {
    let (cg, og) = (input.channels / layer.groups, layer.outChannels / layer.groups)
    let (kh, kw) = (layer.kernel.height, layer.kernel.width)
    var top = 0
    var left = 0
    switch layer.padding {
    case .explicit(let p): (top, left) = (p.height, p.width)
    case .same:
      top = layer.dilation.height * (kh - 1) / 2
      left = layer.dilation.width * (kw - 1) / 2
    }
    let weights = layer.outChannels * cg * kh * kw
    var y: [Double] = []
    for b in 0..<rows {
      for o in 0..<layer.outChannels {
        let g = o / og
        for oy in 0..<output.height {
          for ox in 0..<output.width {
            var sum = layer.bias ? parameters[weights + o] : 0
            for c in 0..<cg {
              for i in 0..<kh {
                for j in 0..<kw {
                  let yy = oy * layer.stride.height - top + i * layer.dilation.height
                  let xx = ox * layer.stride.width - left + j * layer.dilation.width
                  guard yy >= 0, yy < input.height, xx >= 0, xx < input.width else { continue }
                  let w = parameters[((o * cg + c) * kh + i) * kw + j]
                  sum += w * x[((b * input.channels + g * cg + c) * input.height + yy) * input.width + xx]
                }
              }
            }
            y.append(sum)
          }
        }
      }
    }
    return y
  }

  // MARK: Pooling and flatten

  @Test func poolingGradientsMatch() {
    let image = TensorShape.image(channels: 2, height: 6, width: 5)
    expectAgreement([.conv2d(2, kernel: Pair(1)), .maxPool2d(Pair(2))], input: image)
    expectAgreement(
      [.conv2d(2, kernel: Pair(1)), .maxPool2d(Pair(3), stride: Pair(2), padding: Pair(1))],
      input: image)
    expectAgreement([.conv2d(2, kernel: Pair(1)), .avgPool2d(Pair(2))], input: image)
    expectAgreement(
      [.conv2d(2, kernel: Pair(1)), .avgPool2d(Pair(3, 2), stride: Pair(2, 1), padding: Pair(1))],
      input: image)
    expectAgreement(
      [.conv2d(3, kernel: Pair(3)), .globalAvgPool2d, .flatten, .dense(units: 2)], input: image)
  }

  @Test func aCompleteConvolutionalNetworkMatches() {
    let results = expectAgreement(
      [
        .conv2d(4, kernel: Pair(3), padding: .explicit(Pair(1))), .activation(.tanh),
        .maxPool2d(Pair(2)), .dropout(rate: 0.25),
        .conv2d(6, kernel: Pair(3), padding: .same, groups: 2), .activation(.gelu),
        .avgPool2d(Pair(2)), .flatten, .dense(units: 5), .activation(.sigmoid), .dense(units: 3),
      ], input: .image(channels: 1, height: 8, width: 8), rows: 3)
    #expect(
      results.map(\.tensor) == [
        "0.weight", "0.bias", "4.weight", "4.bias", "8.weight", "8.bias", "10.weight", "10.bias",
      ])
    #expect(results.map(\.shape) == [[4, 1, 3, 3], [4], [6, 2, 3, 3], [6], [5, 24], [5], [3, 5], [3]])
  }

  @Test func maxPoolSendsATiedWindowsGradientToItsFirstMaximum() {
    // A 2x2 window of equal values sends all of its gradient to the top-left, as PyTorch's CPU
    // kernel does; a strict maximum elsewhere gets it wherever it is.
    var network = Network<Double>(
      spec: ModelSpec(layers: [.maxPool2d(Pair(2))]),
      inputShape: .image(channels: 1, height: 2, width: 4), batchCapacity: 1,
      random: &Self.random)
    var random = RandomGenerator(seed: 0)
    network.withBatchBuffers { x, y in
      x.update(from: [1, 1, 0, 0, 1, 1, 0, 3], count: 8)
      y.update(from: [0, 0], count: 2)
    }
    network.forward(batch: 1, mode: .training, random: &random)
    #expect(network.withOutputs { [$0[0], $0[1]] } == [1, 3])
    // The backward pass sends each window's gradient to the position recorded here.
    let layer = network.steps[0]
    let positions = Array(network.arena[layer.scratch..<layer.scratch + 2])
    #expect(positions == [0, 7])
  }

  @Test func halvingMaxPoolMatchesTheDefinitionWithNaNsAndInfinities() {
    // 2x2 windows of stride 2 take a vector path, four windows at a time, overlapping at the
    // end of a row of 7; a row with a NaN or an infinity takes the general loop. Both must give
    // the first maximum in row-major order, and a NaN wherever one is.
    let (h, w) = (6, 14)
    var network = Network<Float>(
      spec: ModelSpec(layers: [.maxPool2d(Pair(2))]),
      inputShape: .image(channels: 2, height: h, width: w), batchCapacity: 1,
      random: &Self.random)
    var x = normalValues(2 * h * w, seed: 11).map { Float($0.rounded()) }  // many ties
    x[1 * w + 5] = .nan
    x[2 * w + 9] = .infinity
    x[h * w + 4 * w + 1] = -.infinity
    var random = RandomGenerator(seed: 0)
    network.withBatchBuffers { inputs, _ in inputs.update(from: x, count: x.count) }
    network.forward(batch: 1, mode: .training, random: &random)
    let (oh, ow) = (h / 2, w / 2)
    var values: [Float] = []
    var positions: [Float] = []
    for plane in 0..<2 {
      for oy in 0..<oh {
        for ox in 0..<ow {
          var best = -Float.infinity
          var at = 2 * oy * w + 2 * ox
          for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            let index = (2 * oy + dy) * w + 2 * ox + dx
            let v = x[plane * h * w + index]
            if v > best || v.isNaN { (best, at) = (v, index) }
          }
          values.append(best)
          positions.append(Float(at))
        }
      }
    }
    let count = 2 * oh * ow
    let actual = network.withOutputs { Array(UnsafeBufferPointer(start: $0, count: count)) }
    #expect(actual.map(\.bitPattern) == values.map(\.bitPattern))
    let layer = network.steps[0]
    #expect(Array(network.arena[layer.scratch..<layer.scratch + count]) == positions)
  }

  @Test func halvingMaxPoolWritesEveryInputGradient() throws {
    // Where 2x2 windows tile the input, the backward pass writes each window whole: its
    // gradient to the maximum, zeros elsewhere, without clearing the plane first. The input
    // gradient starts as NaN here, so a value left unwritten would show.
    let (h, w, batch) = (4, 10, 2)
    let planned = try Layer.maxPool2d(Pair(2)).kind.plan(
      for: .image(channels: 3, height: h, width: w))
    let x = normalValues(batch * planned.inputShape.count, seed: 5).map { Float($0.rounded()) }
    let g = normalValues(batch * planned.outputShape.count, seed: 6).map { Float($0) }
    var y = [Float](repeating: 0, count: g.count)
    var positions = [Float](repeating: 0, count: planned.scratchCount(batch: batch))
    var dx = [Float](repeating: .nan, count: x.count)
    var random = RandomGenerator(seed: 0)
    let empty = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    defer { empty.deallocate() }
    x.withUnsafeBufferPointer { x in
      g.withUnsafeBufferPointer { g in
        y.withUnsafeMutableBufferPointer { y in
          positions.withUnsafeMutableBufferPointer { positions in
            dx.withUnsafeMutableBufferPointer { dx in
              withUnsafeMutablePointer(to: &random) { random in
                planned.forward(
                  ForwardPass(
                    batch: batch, input: x.baseAddress!, output: y.baseAddress!,
                    parameters: empty, scratch: positions.baseAddress!, workspace: empty,
                    mode: .training, random: random, threads: 1))
              }
              planned.backward(
                BackwardPass(
                  batch: batch, input: x.baseAddress!, output: UnsafePointer(y.baseAddress!),
                  dOutput: g.baseAddress!, dInput: dx.baseAddress!, accumulate: false,
                  parameters: empty, gradients: empty, scratch: positions.baseAddress!,
                  workspace: empty, threads: 1))
            }
          }
        }
      }
    }
    var expected = [Float](repeating: 0, count: x.count)
    for (index, position) in positions.enumerated() {
      let plane = index / (planned.outputShape.height * planned.outputShape.width)
      expected[plane * h * w + Int(position)] += g[index]
    }
    #expect(dx == expected)
  }

  @Test func flattenKeepsChannelHeightWidthOrder() {
    var network = Network<Double>(
      spec: ModelSpec(layers: [.flatten]), inputShape: .image(channels: 2, height: 1, width: 3),
      batchCapacity: 1, random: &Self.random)
    var random = RandomGenerator(seed: 0)
    #expect(network.outputs(for: [1, 2, 3, 4, 5, 6], random: &random) == [1, 2, 3, 4, 5, 6])
    #expect(network.outputShape == .flat(6))
  }

  // MARK: Shapes and parameters

  @Test func shapesAndParameterCountsFollowPyTorch() throws {
    // W3 of ../shared/bench: 25.5 MFLOP per training image, 421642 parameters in PyTorch.
    let spec = ModelSpec(layers: [
      .conv2d(32, kernel: Pair(3), padding: .explicit(Pair(1))), .activation(.relu),
      .maxPool2d(Pair(2)),
      .conv2d(64, kernel: Pair(3), padding: .explicit(Pair(1))), .activation(.relu),
      .maxPool2d(Pair(2)), .flatten, .dense(units: 128), .activation(.relu), .dense(units: 10),
    ])
    let input = TensorShape.image(channels: 1, height: 28, width: 28)
    #expect(try spec.parameterCount(for: input) == 421_642)
    #expect(spec.outputShape(for: input) == .flat(10))
    let planned = try spec.plan(for: input)
    #expect(planned.map(\.outputShape.dimensions) == [
      [32, 28, 28], [32, 28, 28], [32, 14, 14], [64, 14, 14], [64, 14, 14], [64, 7, 7], [3136],
      [128], [128], [10],
    ])
    // Multiply-adds of the products: 3 x 8.5 M per training image is W3's 25.5 MFLOP.
    let products = planned[0].multiplyAdds + planned[3].multiplyAdds + planned[7].multiplyAdds
      + planned[9].multiplyAdds
    #expect(products == 225_792 + 3_612_672 + 401_408 + 1280)
  }

  @Test func layersRefuseShapesTheyCannotTake() {
    func message(_ layers: [Layer], _ input: TensorShape) -> String? {
      do throws(ModelSpec.PlanError) {
        _ = try ModelSpec(layers: layers).plan(for: input)
        return nil
      } catch {
        return "\(error.layer): \(error.message)"
      }
    }
    let image = TensorShape.image(channels: 3, height: 4, width: 4)
    #expect(
      message([.dense(units: 2)], image)
        == "0: dense expects a flat input, found [3, 4, 4]; add flatten (or global_avg_pool2d, then flatten) before it")
    #expect(
      message([.conv2d(2, kernel: Pair(5))], image)
        == "0: the kernel spans 5 x 5, larger than the padded input 4 x 4; use a smaller kernel or dilation, or more padding")
    #expect(
      message([.conv2d(2, kernel: Pair(3), dilation: Pair(2))], image)
        == "0: the kernel spans 5 x 5, larger than the padded input 4 x 4; use a smaller kernel or dilation, or more padding")
    #expect(
      message([.conv2d(4, kernel: Pair(1), groups: 2)], image)
        == "0: groups 2 does not divide the 3 input channels")
    #expect(
      message([.maxPool2d(Pair(2)), .maxPool2d(Pair(2)), .maxPool2d(Pair(2))], image)
        == "2: a 2 x 2 window shrinks the 1 x 1 padded input to 0 x 0; use a smaller kernel or more padding, or pool earlier")
    #expect(
      message([.avgPool2d(Pair(2), padding: Pair(2))], image)
        == "0: padding [2, 2] is more than half the kernel [2, 2]; use at most half")
    #expect(
      message([.conv2d(2, kernel: Pair(1))], .flat(8))
        == "0: conv2d expects an image [channels, height, width], found [8]; set data.shape to lay the features out as images")
  }

  // MARK: Threads

  @Test func productsSplitAcrossThreadsGiveTheSameBits() {
    let spec = ModelSpec(layers: [
      .conv2d(16, kernel: Pair(3), padding: .explicit(Pair(1))), .activation(.relu),
      .maxPool2d(Pair(2)), .flatten, .dense(units: 40), .activation(.relu), .dense(units: 3),
    ])
    let input = TensorShape.image(channels: 1, height: 12, width: 12)
    let rows = 24
    let x = normalValues(rows * input.count, seed: 2).map(Float.init)
    let targets = uniformValues(rows, seed: 3, 0, 3).map { Float($0.rounded(.down)) }
    func gradients(threads: Int) -> [Float] {
      var random = RandomGenerator(seed: 4, stream: .initialization)
      var network = Network<Float>(
        spec: spec, inputShape: input, batchCapacity: rows, threads: threads, random: &random)
      network.withBatchBuffers { inputs, y in
        inputs.update(from: x, count: x.count)
        y.update(from: targets, count: rows)
      }
      network.forward(batch: rows, mode: .training, random: &random)
      network.loss(.crossEntropy(labelSmoothing: 0), batch: rows, backward: true)
      return network.gradients
    }
    let one = gradients(threads: 1)
    #expect(one.contains { $0 != 0 })
    #expect(gradients(threads: 2).map(\.bitPattern) == one.map(\.bitPattern))
    #expect(gradients(threads: 3).map(\.bitPattern) == one.map(\.bitPattern))
  }
}

extension ConvolutionTests {
  @Test func weightsOfAConvolutionalNetworkUsePyTorchNamesAndRoundTrip() throws {
    let spec = ModelSpec(layers: [
      .conv2d(4, kernel: Pair(3), padding: .explicit(Pair(1)), bias: false), .activation(.relu),
      .maxPool2d(Pair(2)), .conv2d(6, kernel: Pair(3, 1), groups: 2), .flatten,
      .dense(units: 3),
    ])
    var random = RandomGenerator(seed: 3, stream: .initialization)
    let network = Network<Float>(
      spec: spec, inputShape: .image(channels: 2, height: 6, width: 6), batchCapacity: 2,
      random: &random)
    #expect(network.tensors.map(\.name) == ["0.weight", "3.weight", "3.bias", "5.weight", "5.bias"])
    #expect(network.tensors.map(\.shape) == [[4, 2, 3, 3], [6, 2, 3, 1], [6], [3, 18], [3]])
    let data = network.safetensorsData()
    var copy = Network<Float>(
      spec: spec, inputShape: .image(channels: 2, height: 6, width: 6), batchCapacity: 2,
      random: &random)
    #expect(copy.parameters != network.parameters)
    try copy.loadSafetensors(data, file: "w.safetensors")
    #expect(copy.parameters == network.parameters)
  }

  /// The sample standard deviation and largest magnitude of the values of `tensor`.
  static func spread(_ network: Network<Double>, _ tensor: Int) -> (deviation: Double, largest: Double) {
    let t = network.tensors[tensor]
    let values = network.stateDictValues[t.offset..<t.offset + t.count]
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
    return (variance.squareRoot(), values.map(abs).max()!)
  }

  @Test func initializersTakePyTorchsFansForConvolutions() {
    // Conv2d(32, 64, 3, groups: 2): fan_in = 16 * 9 = 144, fan_out = 32 * 9 = 288.
    func network(_ initializer: Initializer) -> Network<Double> {
      var random = RandomGenerator(seed: 5, stream: .initialization)
      return Network<Double>(
        spec: ModelSpec(layers: [.conv2d(64, kernel: Pair(3), groups: 2)], initializer: initializer),
        inputShape: .image(channels: 32, height: 3, width: 3), batchCapacity: 1, random: &random)
    }
    let he = Self.spread(network(.heNormal), 0)
    #expect(abs(he.deviation / (2.0 / 144).squareRoot() - 1) < 0.03)
    let xavier = Self.spread(network(.xavierUniform), 0)
    let xavierBound = (6.0 / (144 + 288)).squareRoot()
    #expect(xavier.largest <= xavierBound && xavier.largest > 0.99 * xavierBound)
    let torch = network(.torchDefault)
    let bound = 1 / 144.0.squareRoot()
    #expect(Self.spread(torch, 0).largest <= bound && Self.spread(torch, 0).largest > 0.99 * bound)
    // Conv2d's own reset draws the bias in the same bound, 64 values of it.
    #expect(Self.spread(torch, 1).largest <= bound && Self.spread(torch, 1).largest > 0.8 * bound)
    #expect(network(.heNormal).stateDictValues.suffix(64).allSatisfy { $0 == 0 })
  }
}
