import Foundation
import Testing

@testable import Descent
@testable import DescentEngine

/// Convolution and pooling layers, run on their own, against the values and gradients of the
/// equivalent torch.nn modules (`TorchLayerReference`, from bench/torch_layer_reference.py).
@Suite struct TorchReferenceTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var layer: Layer
    var reference: TorchLayerReference.Case
    var testDescription: String { name }
  }

  static let cases = [
    Case(
      name: "convGrouped",
      layer: .conv2d(
        6, kernel: Pair(3, 2), stride: Pair(2, 1), padding: .explicit(Pair(1, 0)),
        dilation: Pair(1, 2), groups: 2),
      reference: TorchLayerReference.convGrouped),
    Case(
      name: "convSameEven", layer: .conv2d(2, kernel: Pair(2), padding: .same),
      reference: TorchLayerReference.convSameEven),
    Case(
      name: "convSameDilated", layer: .conv2d(3, kernel: Pair(3), padding: .same, dilation: Pair(2)),
      reference: TorchLayerReference.convSameDilated),
    Case(
      name: "convDepthwise",
      layer: .conv2d(
        3, kernel: Pair(3), stride: Pair(2), padding: .explicit(Pair(1)), groups: 3, bias: false),
      reference: TorchLayerReference.convDepthwise),
    Case(
      name: "maxPool", layer: .maxPool2d(Pair(3), stride: Pair(2), padding: Pair(1)),
      reference: TorchLayerReference.maxPool),
    Case(
      name: "maxPoolTies", layer: .maxPool2d(Pair(2)), reference: TorchLayerReference.maxPoolTies),
    Case(
      name: "avgPool", layer: .avgPool2d(Pair(3), stride: Pair(2), padding: Pair(1)),
      reference: TorchLayerReference.avgPool),
    Case(
      name: "avgPoolRect", layer: .avgPool2d(Pair(2, 3), stride: Pair(1, 2)),
      reference: TorchLayerReference.avgPoolRect),
  ]

  /// The script's inputs: `2 sin(0.37 i + 0.1)`, or for the ties case ones with a 5 at
  /// `[b, 0, 2, 3]`.
  static func input(_ c: Case) -> [Double] {
    let count = 2 * c.reference.input.reduce(1, *)
    if c.name == "maxPoolTies" {
      return (0..<count).map { i in i % 16 == 2 * 4 + 3 ? 5 : 1 }
    }
    return (0..<count).map { 2 * sin(0.37 * Double($0) + 0.1) }
  }

  /// A weight moved between PyTorch's layout and the layer's.
  static func moved(_ values: [Double], _ spec: ParameterSpec?, toPyTorch: Bool) -> [Double] {
    guard let spec else { return values }
    var out = values
    values.withUnsafeBufferPointer { v in
      out.withUnsafeMutableBufferPointer { o in
        relayout(
          v.baseAddress!, into: o.baseAddress!, shape: spec.shape,
          transposedBlocks: spec.transposedBlocks, toPyTorch: toPyTorch)
      }
    }
    return out
  }

  @Test(arguments: cases)
  func forwardAndBackwardMatchPyTorch(_ c: Case) throws {
    let batch = 2
    let planned = try c.layer.kind.plan(for: TensorShape(c.reference.input))
    #expect(planned.outputShape.dimensions == c.reference.output)
    let weights = planned.parameters.first?.count ?? 0
    // The script's weights are in PyTorch's layout; the layer reads its own.
    let torchWeights = (0..<weights).map { 0.5 * cos(0.23 * Double($0)) }
    var parameters = Self.moved(torchWeights, planned.parameters.first, toPyTorch: false)
    if planned.parameters.count == 2 {
      parameters += (0..<planned.parameters[1].count).map { 0.1 * Double($0) - 0.2 }
    }
    let x = Self.input(c)
    let outputs = batch * planned.outputShape.count
    let upstream = (0..<outputs).map { cos(0.11 * Double($0)) }
    var output = [Double](repeating: .nan, count: outputs)
    var scratch = [Double](repeating: .nan, count: planned.scratchCount(batch: batch))
    var workspace = [Double](repeating: .nan, count: planned.workspaceCount(batch: batch, threads: 1))
    var gradients = [Double](repeating: .nan, count: parameters.count)
    // Backward adds into the input gradient when asked to: start from ones and take them off.
    var dInput = [Double](repeating: 1, count: x.count)
    var random = RandomGenerator(seed: 0)
    x.withUnsafeBufferPointer { x in
      parameters.withUnsafeBufferPointer { p in
        output.withUnsafeMutableBufferPointer { y in
          scratch.withUnsafeMutableBufferPointer { s in
            workspace.withUnsafeMutableBufferPointer { w in
              withUnsafeMutablePointer(to: &random) { random in
                planned.forward(
                  ForwardPass(
                    batch: batch, input: x.baseAddress!, output: y.baseAddress!,
                    parameters: p.baseAddress!, scratch: s.baseAddress!, workspace: w.baseAddress!,
                    mode: .training, random: random, threads: 1))
              }
              upstream.withUnsafeBufferPointer { dy in
                gradients.withUnsafeMutableBufferPointer { g in
                  dInput.withUnsafeMutableBufferPointer { dx in
                    planned.backward(
                      BackwardPass(
                        batch: batch, input: x.baseAddress!, output: UnsafePointer(y.baseAddress!),
                        dOutput: dy.baseAddress!, dInput: dx.baseAddress!, accumulate: true,
                        parameters: p.baseAddress!, gradients: g.baseAddress!,
                        scratch: s.baseAddress!, workspace: w.baseAddress!, threads: 1))
                  }
                }
              }
            }
          }
        }
      }
    }
    expectClose(output, c.reference.values, relative: 1e-12, "values")
    expectClose(dInput.map { $0 - 1 }, c.reference.inputGradient, relative: 1e-12, "input gradient")
    let weightGradient = Self.moved(
      Array(gradients[..<weights]), planned.parameters.first, toPyTorch: true)
    expectClose(
      weightGradient + gradients[weights...], c.reference.weightGradient + c.reference.biasGradient,
      relative: 1e-12, "parameter gradients")
  }
}
