import Testing

@testable import Descent
@testable import DescentEngine

/// Loss values and their gradients against torch.nn.functional, on 3 rows of 4 logits. The
/// expected values come from (PyTorch 2.15, float64):
///
///     import torch.nn.functional as F
///     torch.set_default_dtype(torch.float64)
///     x = torch.tensor([[0.5, -1.2, 2.0, 0.1], [1.5, 0.3, -0.7, -2.2], [-0.4, 0.9, 0.0, 3.1]],
///                      requires_grad=True)
///     y = torch.tensor([2, 0, 1])                                                 # classes
///     t = torch.tensor([[1.0, 0.0, 0.25, 1.0], [0.0, 1.0, 0.5, 0.0], [1.0, 1.0, 0.0, 0.75]])
///     r = torch.tensor([[0.2, -1.0, 3.5, 0.0], [1.0, 0.0, 0.0, -3.0], [0.0, 2.0, 0.1, 2.0]])
///     l = F.cross_entropy(x, y); l.backward(); l.item(), x.grad.flatten()
///
/// with the call named in each test in place of `F.cross_entropy(x, y)`.
@Suite struct LossTests {
  static let logits: [Double] = [0.5, -1.2, 2.0, 0.1, 1.5, 0.3, -0.7, -2.2, -0.4, 0.9, 0.0, 3.1]
  static let classes: [Double] = [2, 0, 1]
  static let probabilities: [Double] = [1, 0, 0.25, 1, 0, 1, 0.5, 0, 1, 1, 0, 0.75]
  static let values: [Double] = [0.2, -1, 3.5, 0, 1, 0, 0, -3, 0, 2, 0.1, 2]

  /// The mean loss and its gradient with respect to the outputs, in `T`.
  func evaluate<T: Scalar>(
    _ loss: Loss, _ outputs: [T], _ targets: [T], rows: Int, width: Int
  ) -> (T, [T]) {
    var gradient = [T](repeating: .nan, count: outputs.count)
    let value = loss.evaluate(
      outputs: outputs, targets: targets, batch: rows, width: width, gradient: &gradient)
    return (value, gradient)
  }

  /// Checks value and gradient in Double to 1e-12 and in Float to 1e-6.
  func expectTorch(
    _ loss: Loss, targets: [Double], value: Double, gradient: [Double],
    sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) {
    let (v, g) = evaluate(loss, Self.logits, targets, rows: 3, width: 4)
    #expect(abs(v - value) <= 1e-12 * value, sourceLocation: sourceLocation)
    expectClose(g, gradient, relative: 1e-12, floor: 1e-3, sourceLocation: sourceLocation)
    let (vf, gf) = evaluate(
      loss, Self.logits.map(Float.init), targets.map(Float.init), rows: 3, width: 4)
    #expect(abs(Double(vf) - value) <= 1e-6 * value, sourceLocation: sourceLocation)
    expectClose(
      gf, gradient.map(Float.init), relative: 1e-6, floor: 1e-3, sourceLocation: sourceLocation)
  }

  @Test func crossEntropyMatchesTorch() {
    // F.cross_entropy(x, y)
    expectTorch(
      .crossEntropy(labelSmoothing: 0), targets: Self.classes, value: 1.0263442997682986,
      gradient: [
        0.05262028519048937, 0.00961285913525852, -0.09750557631704518, 0.0352724319912973,
        -0.10132352955825485, 0.06988001000393941, 0.02570741902930403, 0.005736100525011401,
        0.00848682319060787, -0.30219266128136213, 0.012660852440263508, 0.2810449856504908,
      ])
  }

  @Test func labelSmoothingMatchesTorch() {
    // F.cross_entropy(x, y, label_smoothing=0.1)
    expectTorch(
      .crossEntropy(labelSmoothing: 0.1), targets: Self.classes, value: 1.1405109664349653,
      gradient: [
        0.044286951857156046, 0.0012795258019251878, -0.07250557631704517, 0.026939098657963977,
        -0.0763235295582548, 0.0615466766706061, 0.017374085695970706, -0.0025972328083219308,
        0.00015348985727454105, -0.27719266128136216, 0.004327519106930179, 0.27271165231715755,
      ])
  }

  @Test func binaryCrossEntropyMatchesBCEWithLogits() {
    // F.binary_cross_entropy_with_logits(x, t)
    expectTorch(
      .binaryCrossEntropy, targets: Self.probabilities, value: 0.7407585241142228,
      gradient: [
        -0.03146172239984545, 0.019289601375081865, 0.052566423164823524, -0.03958506771008833,
        0.0681312063494703, -0.035463123599028416, -0.01401564768068051, 0.008312540759973761,
        -0.04989063834270433, -0.024087541447916343, 0.041666666666666664, 0.01724106208824282,
      ])
  }

  @Test func meanSquaredErrorDividesByEveryElement() {
    // F.mse_loss(x, r)
    expectTorch(
      .meanSquaredError, targets: Self.values, value: 0.5375,
      gradient: [
        0.049999999999999996, -0.033333333333333326, -0.25, 0.016666666666666666,
        0.08333333333333333, 0.049999999999999996, -0.11666666666666665, 0.1333333333333333,
        -0.06666666666666667, -0.18333333333333335, -0.016666666666666666, 0.18333333333333335,
      ])
  }

  @Test func huberMatchesTorchOnBothSidesOfDelta() {
    // Residuals x - r: [0.3, -0.2, -1.5, 0.1, 0.5, 0.3, -0.7, 0.8, -0.4, -1.1, -0.1, 1.1], so
    // delta 1 sees 3 linear and 9 quadratic ones, delta 0.5 6 of each (0.5 itself is linear).
    // F.huber_loss(x, r, delta=1.0)
    expectTorch(
      .huber(delta: 1), targets: Self.values, value: 0.2575,
      gradient: [
        0.024999999999999998, -0.016666666666666663, -0.08333333333333333, 0.008333333333333333,
        0.041666666666666664, 0.024999999999999998, -0.05833333333333333, 0.06666666666666665,
        -0.03333333333333333, -0.08333333333333333, -0.008333333333333333, 0.08333333333333333,
      ])
    // F.huber_loss(x, r, delta=0.5)
    expectTorch(
      .huber(delta: 0.5), targets: Self.values, value: 0.19166666666666665,
      gradient: [
        0.024999999999999998, -0.016666666666666663, -0.041666666666666664, 0.008333333333333333,
        0.041666666666666664, 0.024999999999999998, -0.041666666666666664, 0.041666666666666664,
        -0.03333333333333333, -0.041666666666666664, -0.008333333333333333, 0.041666666666666664,
      ])
  }

  @Test func lossWithoutGradientGivesTheSameValue() {
    for loss in [Loss.crossEntropy(labelSmoothing: 0.1), .binaryCrossEntropy, .huber(delta: 1)] {
      let targets = loss == .binaryCrossEntropy ? Self.probabilities : Self.values
      let labels = loss.isClassification && loss != .binaryCrossEntropy ? Self.classes : targets
      let value = loss.evaluate(
        outputs: Self.logits, targets: labels, batch: 3, width: 4, gradient: nil)
      #expect(value == evaluate(loss, Self.logits, labels, rows: 3, width: 4).0)
    }
  }

  // MARK: Stability

  /// Logits of 1e4 in both rows: `[[1e4, -1e4, 0], [-1e4, 1e4, 5e3]]`.
  static let huge: [Double] = [1e4, -1e4, 0, -1e4, 1e4, 5e3]

  @Test func crossEntropyIsFiniteOnHugeLogits() {
    // F.cross_entropy(h, torch.tensor([1, 1])) in float64 and float32: 10000.0, gradient
    // [0.5, -0.5, 0, 0, 0, 0].
    let expected: [Double] = [0.5, -0.5, 0, 0, 0, 0]
    let (value, gradient) = evaluate(
      .crossEntropy(labelSmoothing: 0), Self.huge, [1, 1], rows: 2, width: 3)
    #expect(value == 10_000)
    #expect(gradient == expected)
    let (valueF, gradientF) = evaluate(
      .crossEntropy(labelSmoothing: 0), Self.huge.map(Float.init), [1, 1], rows: 2, width: 3)
    #expect(valueF == 10_000)
    #expect(gradientF == expected.map(Float.init))
    // With smoothing every class's -log p counts: still finite.
    let (smoothed, smoothedGradient) = evaluate(
      .crossEntropy(labelSmoothing: 0.1), Self.huge.map(Float.init), [1, 1], rows: 2, width: 3)
    #expect(smoothed.isFinite && smoothedGradient.allSatisfy { $0.isFinite })
  }

  @Test func binaryCrossEntropyIsFiniteOnHugeLogits() {
    // F.binary_cross_entropy_with_logits(h, torch.tensor([[1., 1., 0.], [1., 0., 1.]])):
    // float64 5000.115524530093, float32 5000.11572265625; gradient
    // [0, -1/6, 1/12, -1/6, 1/6, 0].
    let targets: [Double] = [1, 1, 0, 1, 0, 1]
    let expected: [Double] = [0, -1.0 / 6, 1.0 / 12, -1.0 / 6, 1.0 / 6, 0]
    let (value, gradient) = evaluate(.binaryCrossEntropy, Self.huge, targets, rows: 2, width: 3)
    #expect(abs(value - 5000.115524530093) < 1e-9)
    expectClose(gradient, expected, relative: 1e-15)
    let (valueF, gradientF) = evaluate(
      .binaryCrossEntropy, Self.huge.map(Float.init), targets.map(Float.init), rows: 2, width: 3)
    #expect(abs(valueF - 5000.11572265625) <= 5000 * 1e-6)
    expectClose(gradientF, expected.map(Float.init), relative: 1e-6)
  }

  // MARK: Metrics

  @Test func accuracyCountsTheLargestLogit() {
    // Row maxima are at 2, 0 and 3; the classes are 2, 0 and 1: two of three right.
    var sums = MetricSums()
    sums.add(
      loss: .crossEntropy(labelSmoothing: 0), meanLoss: 1.0, outputs: Self.logits,
      targets: Self.classes, batch: 3, width: 4)
    let evaluation = sums.evaluation
    #expect(evaluation.accuracy == 2.0 / 3)
    #expect(evaluation.loss == 1.0)
    #expect(evaluation.rmse == nil && evaluation.r2 == nil)
  }

  @Test func binaryAccuracyThresholdsLogitsAtZero() {
    // By hand: x > 0 is [T, F, T, T, T, T, F, F, F, T, F, T], t > 0.5 is
    // [T, F, F, T, F, T, F, F, T, T, F, T]; they agree at 9 of 12.
    var sums = MetricSums()
    sums.add(
      loss: .binaryCrossEntropy, meanLoss: 0.5, outputs: Self.logits,
      targets: Self.probabilities, batch: 3, width: 4)
    #expect(sums.evaluation.accuracy == 9.0 / 12)
  }

  @Test func regressionMetricsAreRMSEAndR2() {
    // numpy, x and r flattened: np.sqrt(np.mean((x - r)**2)) = 0.733143914930759 and
    // 1 - np.sum((x - r)**2) / np.sum((r - r.mean())**2) = 0.7804628999319265.
    var sums = MetricSums()
    sums.add(
      loss: .meanSquaredError, meanLoss: 0.5375, outputs: Self.logits, targets: Self.values,
      batch: 3, width: 4)
    let evaluation = sums.evaluation
    #expect(abs(evaluation.rmse! - 0.733143914930759) < 1e-12)
    #expect(abs(evaluation.r2! - 0.7804628999319265) < 1e-12)
    #expect(evaluation.accuracy == nil)
    #expect(abs(evaluation.loss - 0.5375) < 1e-12)
  }
}
