import Foundation
import Testing

@testable import Descent
@testable import DescentEngine

/// Layers' forward passes and local derivatives against torch.nn modules.
@Suite struct LayerTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var activation: Activation
    var values: [Double]
    var derivatives: [Double]
    var testDescription: String { "\(activation)" }
  }

  static let inputs: [Double] = [-30, -3.5, -1, -0.25, 0.3, 1, 2.5, 9, 19.5, 20.5, 40]

  /// From (PyTorch 2.15, float64):
  ///
  ///     x = torch.tensor(inputs, requires_grad=True); y = m(x); y.sum().backward()
  ///     y.tolist(), x.grad.tolist()
  ///
  /// with `m` the module named in each case.
  static let cases = [
    // nn.ReLU()
    Case(
      activation: .relu, values: [0, 0, 0, 0, 0.3, 1, 2.5, 9, 19.5, 20.5, 40],
      derivatives: [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]),
    // nn.LeakyReLU(0.1)
    Case(
      activation: .leakyRelu(slope: 0.1),
      values: [-3.0, -0.35000000000000003, -0.1, -0.025, 0.3, 1, 2.5, 9, 19.5, 20.5, 40],
      derivatives: [0.1, 0.1, 0.1, 0.1, 1, 1, 1, 1, 1, 1, 1]),
    // nn.ELU()
    Case(
      activation: .elu(alpha: 1),
      values: [
        -0.9999999999999064, -0.9698026165776815, -0.6321205588285577, -0.22119921692859512, 0.3,
        1, 2.5, 9, 19.5, 20.5, 40,
      ],
      derivatives: [
        9.357622968840175e-14, 0.0301973834223185, 0.36787944117144233, 0.7788007830714049, 1, 1,
        1, 1, 1, 1, 1,
      ]),
    // nn.ELU(0.5)
    Case(
      activation: .elu(alpha: 0.5),
      values: [
        -0.4999999999999532, -0.48490130828884076, -0.31606027941427883, -0.11059960846429756,
        0.3, 1, 2.5, 9, 19.5, 20.5, 40,
      ],
      derivatives: [
        4.6788114844200874e-14, 0.01509869171115925, 0.18393972058572117, 0.38940039153570244, 1,
        1, 1, 1, 1, 1, 1,
      ]),
    // nn.GELU()
    Case(
      activation: .gelu,
      values: [
        -0.0, -0.0008142017766243903, -0.15865525393145702, -0.10032341857926907,
        0.1853734266566858, 0.841344746068543, 2.4844758366855597, 9, 19.5, 20.5, 40,
      ],
      derivatives: [
        -4.420938404635643e-195, -0.0028217603536246205, -0.08331547058768635, 0.304626645116364,
        0.7323277668271099, 1.0833154705876864, 1.037611085908145, 1, 1, 1, 1,
      ]),
    // nn.Tanh()
    Case(
      activation: .tanh,
      values: [
        -1, -0.9981778976111987, -0.7615941559557649, -0.24491866240370913, 0.2913126124515909,
        0.7615941559557649, 0.9866142981514303, 0.999999969540041, 1, 1, 1,
      ],
      derivatives: [
        0, 0.0036408847204873578, 0.41997434161402614, 0.940014848806378, 0.9151369618266292,
        0.41997434161402614, 0.02659222668316057, 6.091991707124916e-08, 0, 0, 0,
      ]),
    // nn.Sigmoid()
    Case(
      activation: .sigmoid,
      values: [
        9.357622968839299e-14, 0.02931223075135632, 0.2689414213699951, 0.43782349911420193,
        0.574442516811659, 0.7310585786300049, 0.9241418199787566, 0.9998766054240137,
        0.9999999966017321, 0.9999999987498471, 1,
      ],
      derivatives: [
        9.357622968838423e-14, 0.02845302387973556, 0.19661193324148185, 0.24613408273759835,
        0.24445831169074586, 0.19661193324148185, 0.07010371654510807, 0.00012337934976493025,
        3.3982678777614116e-09, 1.2501528685507699e-09, 0,
      ]),
    // nn.Softplus(): beta 1, linear above 20 (the last two inputs)
    Case(
      activation: .softplus(beta: 1, threshold: 20),
      values: [
        9.357622968839737e-14, 0.029750418272620566, 0.31326168751822286, 0.5759394198788436,
        0.8543552444685272, 1.3132616875182228, 2.5788897342925496, 9.000123402189724,
        19.500000003398267, 20.5, 40,
      ],
      derivatives: [
        9.3576229688393e-14, 0.029312230751356316, 0.2689414213699951, 0.4378234991142019,
        0.574442516811659, 0.7310585786300049, 0.9241418199787564, 0.9998766054240138,
        0.9999999966017322, 1, 1,
      ]),
    // nn.Softplus(beta=2, threshold=5): linear where 2x > 5
    Case(
      activation: .softplus(beta: 2, threshold: 5),
      values: [
        4.37825538134826e-27, 0.00045573322688712237, 0.06346400552148625, 0.23703849209005334,
        0.5187439752429428, 1.0634640055214863, 2.503357674244559, 9, 19.5, 20.5, 40,
      ],
      derivatives: [
        8.75651076269652e-27, 0.0009110511944006454, 0.11920292202211755, 0.37754066879814546,
        0.6456563062257954, 0.8807970779778824, 0.9933071490757152, 1, 1, 1, 1,
      ]),
    // nn.Identity()
    Case(activation: .identity, values: inputs, derivatives: Array(repeating: 1, count: 11)),
  ]

  @Test(arguments: cases)
  func activationMatchesTorchInValueAndDerivative(_ c: Case) {
    let x = Self.inputs
    var y = [Double](repeating: .nan, count: x.count)
    c.activation.forward(x, &y, count: x.count)
    expectClose(y, c.values, relative: 1e-14, floor: 1e-300)
    var dx = [Double](repeating: .nan, count: x.count)
    c.activation.backward(x, y, [Double](repeating: 1, count: x.count), &dx, count: x.count)
    // Derivatives are computed from the output where that is cheaper (tanh's 1 - y^2, ELU's
    // y + alpha), which is exact only to a unit in the last place of 1: hence an absolute floor.
    expectClose(dx, c.derivatives, relative: 1e-13, floor: 1e-3)
    // The same in Float, where nothing may overflow. GELU's 1 + erf(x / sqrt 2) cancels for
    // negative x, as in torch's float32 GELU: an absolute floor again.
    let xf = x.map(Float.init)
    var yf = [Float](repeating: .nan, count: x.count)
    c.activation.forward(xf, &yf, count: x.count)
    expectClose(yf, c.values.map(Float.init), relative: 1e-6, floor: 0.1)
  }

  @Test func sigmoidAndSoftplusStayFiniteOnHugeInputs() {
    let x: [Float] = [-1e4, -100, 100, 1e4]
    for activation in [Activation.sigmoid, .softplus(beta: 1, threshold: 1e9), .elu(alpha: 1)] {
      var y = [Float](repeating: .nan, count: 4)
      activation.forward(x, &y, count: 4)
      #expect(y.allSatisfy { $0.isFinite }, "\(activation): \(y)")
    }
  }

  @Test func denseComputesInputTimesWeightTransposedPlusBias() {
    // W = [[1, 2], [3, 4], [5, 6]] ([out 3, in 2] as torch.nn.Linear), b = [0.5, -0.5, 0],
    // x = [[1, -1], [2, 0.5]]: x W^T + b = [[-0.5, -1.5, -1], [3.5, 7.5, 13]].
    var network = Network<Double>(
      spec: ModelSpec(layers: [.dense(units: 3)]), inputWidth: 2, batchCapacity: 2, seed: 0)
    network.setStateDictValues([1.0, 2, 3, 4, 5, 6, 0.5, -0.5, 0])
    var random = RandomGenerator(seed: 0)
    #expect(
      network.outputs(for: [1, -1, 2, 0.5], random: &random) == [-0.5, -1.5, -1, 3.5, 7.5, 13])
  }

  @Test func backpropagationStopsAtTheFirstLayerWithParameters() throws {
    // flatten, dropout, then dense layers: the gradients equal those of the dense layers alone
    // on flat inputs, and nothing computes a gradient for the flatten or dropout's outputs
    // (on Fashion-MNIST's MLP the first dense layer's input gradient was a quarter of a step).
    let dense: [Layer] = [.dense(units: 4), .activation(.tanh), .dense(units: 3)]
    let image = TensorShape.image(channels: 1, height: 2, width: 3)
    var random = RandomGenerator(seed: 3)
    var leading = Network<Double>(
      spec: ModelSpec(layers: [.flatten, .dropout(rate: 0)] + dense), inputShape: image,
      batchCapacity: 2, random: &random)
    var flat = Network<Double>(
      spec: ModelSpec(layers: dense), inputWidth: 6, batchCapacity: 2, random: &random)
    #expect(leading.backpropagationStart == 2 && flat.backpropagationStart == 0)
    flat.setStateDictValues(leading.stateDictValues)
    let x = (0..<12).map { sin(Double($0)) }
    let targets = (0..<6).map { cos(Double($0)) }
    _ = leading.outputs(for: x, mode: .training, random: &random)
    _ = flat.outputs(for: x, mode: .training, random: &random)
    leading.withBatchBuffers { _, t in t.update(from: targets, count: targets.count) }
    flat.withBatchBuffers { _, t in t.update(from: targets, count: targets.count) }
    leading.loss(.meanSquaredError, batch: 2, backward: true)
    flat.loss(.meanSquaredError, batch: 2, backward: true)
    #expect(leading.gradients == flat.gradients)
    for step in leading.steps[0..<2] {
      #expect(leading.arena[step.delta..<step.delta + 12].allSatisfy { $0 == 0 })
    }
  }

  @Test func parametersAreNamedAndShapedAsTorchSequential() {
    // nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Dropout(0.1), nn.Linear(4, 3), nn.Tanh(),
    //               nn.Linear(3, 2)).state_dict():
    // 0.weight [4, 5], 0.bias [4], 3.weight [3, 4], 3.bias [3], 5.weight [2, 3], 5.bias [2]
    let spec = ModelSpec(layers: [
      .dense(units: 4), .activation(.relu), .dropout(rate: 0.1), .dense(units: 3),
      .activation(.tanh), .dense(units: 2),
    ])
    let network = Network<Float>(spec: spec, inputWidth: 5, batchCapacity: 1, seed: 0)
    #expect(
      network.tensors.map(\.name) == [
        "0.weight", "0.bias", "3.weight", "3.bias", "5.weight", "5.bias",
      ])
    #expect(network.tensors.map(\.shape) == [[4, 5], [4], [3, 4], [3], [2, 3], [2]])
    #expect(network.tensors.map(\.offset) == [0, 20, 24, 36, 39, 45])
    #expect(network.parameters.count == 47 && network.gradients.count == 47)
    #expect(network.outputWidth == 2 && spec.outputWidth(inputWidth: 5) == 2)
  }

  // MARK: Dropout

  /// A network that is only a dropout layer of `rate`, on `count` ones.
  func dropped(rate: Double, count: Int, mode: Network<Float>.Mode, seed: UInt64 = 1) -> [Float] {
    var network = Network<Float>(
      spec: ModelSpec(layers: [.dropout(rate: rate)]), inputWidth: count, batchCapacity: 1,
      seed: 0)
    var random = RandomGenerator(seed: seed, stream: .dropout)
    return network.outputs(for: Array(repeating: 1, count: count), mode: mode, random: &random)
  }

  @Test func dropoutZeroesAboutRateAndScalesTheRest() {
    let outputs = dropped(rate: 0.3, count: 20_000, mode: .training)
    let zeros = outputs.filter { $0 == 0 }.count
    // 6000 expected, standard deviation ~65.
    #expect(abs(zeros - 6000) < 325)
    #expect(outputs.allSatisfy { $0 == 0 || $0 == Float(1 / 0.7) })
  }

  @Test func dropoutPassesValuesThroughInEvaluation() {
    #expect(dropped(rate: 0.5, count: 100, mode: .evaluation).allSatisfy { $0 == 1 })
  }

  @Test func dropoutMasksFollowTheSeed() {
    let a = dropped(rate: 0.5, count: 64, mode: .training, seed: 1)
    #expect(a == dropped(rate: 0.5, count: 64, mode: .training, seed: 1))
    #expect(a != dropped(rate: 0.5, count: 64, mode: .training, seed: 2))
  }

  @Test func fixedMaskRepeatsTheLastTrainingMask() {
    var network = Network<Double>(
      spec: ModelSpec(layers: [.dropout(rate: 0.5)]), inputWidth: 32, batchCapacity: 2, seed: 0)
    var random = RandomGenerator(seed: 3, stream: .dropout)
    let x = normalValues(64, seed: 4)
    let first = network.outputs(for: x, mode: .training, random: &random)
    let again = network.outputs(for: x, mode: .trainingWithFixedMask, random: &random)
    #expect(first == again)
    #expect(first != network.outputs(for: x, mode: .training, random: &random))
  }
}
