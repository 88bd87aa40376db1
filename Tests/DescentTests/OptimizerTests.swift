import Testing

@testable import Descent
@testable import DescentEngine

/// Every optimizer stepped four times on three parameters with fixed gradients, against
/// `torch.optim` in float32. The expected values come from (PyTorch 2.15):
///
///     P0 = [1.0, -2.0, 0.5]
///     G = [[0.1, -0.2, 0.3], [-0.5, 0.4, 0.05], [0.2, 0.2, -0.1], [0.3, -0.1, 0.2]]
///     def run(make, lrs=None):
///         p = torch.tensor(P0, dtype=torch.float32, requires_grad=True)
///         opt = make([p])
///         for i, g in enumerate(G):
///             if lrs: opt.param_groups[0]['lr'] = lrs[i]
///             p.grad = torch.tensor(g, dtype=torch.float32)
///             opt.step()
///         return p.detach().tolist()
///
/// and each test names the `make` it used, e.g. `run(lambda p: torch.optim.SGD(p, lr=0.1))`.
@Suite struct OptimizerTests {
  static let start: [Float] = [1.0, -2.0, 0.5]
  static let gradients: [[Float]] = [
    [0.1, -0.2, 0.3], [-0.5, 0.4, 0.05], [0.2, 0.2, -0.1], [0.3, -0.1, 0.2],
  ]
  static let changingRates = [0.1, 0.05, 0.2, 0.01]

  /// The parameters after one step per gradient, at the given rates.
  func trained(
    _ optimizer: some Optimizer, rates: [Double] = [0.1, 0.1, 0.1, 0.1],
    momentum: Double? = nil
  ) -> [Float] {
    var optimizer = optimizer
    var parameters = Self.start
    for (gradient, rate) in zip(Self.gradients, rates) {
      optimizer.step(
        parameters: &parameters, gradients: gradient, learningRate: rate, momentum: momentum)
    }
    return parameters
  }

  /// Compares parameters with torch's float32 values. The displacement from the start must agree
  /// to 1e-6 relative (a tolerance on the weights alone would hide an error in a small step), or
  /// the weights to 2 units in the last place.
  func expectTorch(
    _ actual: [Float], _ expected: [Float], _ context: String = "",
    sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) {
    #expect(actual.count == expected.count, sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual, expected).enumerated() {
      let displacement = abs(e - Self.start[i])
      let tolerance = max(1e-6 * displacement, 2 * e.ulp)
      if !(abs(a - e) <= tolerance) {
        Issue.record(
          "\(context) parameter \(i): \(a), torch \(e) (step \(a - Self.start[i]) against \(e - Self.start[i]))",
          sourceLocation: sourceLocation)
      }
    }
  }

  // MARK: SGD

  @Test func plainSGDMatchesTorch() {
    // run(lambda p: torch.optim.SGD(p, lr=0.1))
    expectTorch(
      trained(SGD(parameterCount: 3)),
      [0.9899999499320984, -2.0299999713897705, 0.45499998331069946])
  }

  @Test func coupledWeightDecayMatchesTorch() {
    // run(lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.1))
    expectTorch(
      trained(SGD(weightDecay: 0.1, parameterCount: 3)),
      [0.9500979781150818, -1.9507900476455688, 0.43618854880332947])
  }

  @Test func momentumMatchesTorch() {
    // run(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9))
    expectTorch(
      trained(SGD(momentum: 0.9, parameterCount: 3)),
      [1.0331099033355713, -2.067620038986206, 0.38227999210357666])
  }

  @Test func momentumMatchesHandComputedSteps() {
    // By hand, first parameter, lr 0.1, mu 0.9:
    //   b1 = 0.1                     w1 = 1 - 0.01 = 0.99
    //   b2 = 0.09 - 0.5 = -0.41      w2 = 0.99 + 0.041 = 1.031
    //   b3 = -0.369 + 0.2 = -0.169   w3 = 1.031 + 0.0169 = 1.0479
    //   b4 = -0.1521 + 0.3 = 0.1479  w4 = 1.0479 - 0.01479 = 1.03311
    let w = trained(SGD(momentum: 0.9, parameterCount: 3))
    #expect(abs(w[0] - 1.03311) < 1e-6)
  }

  @Test func dampeningSparesTheFirstStepAndScalesTheRest() {
    // run(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.5))
    expectTorch(
      trained(SGD(momentum: 0.9, dampening: 0.5, parameterCount: 3)),
      [0.9993600845336914, -1.9994200468063354, 0.3895549774169922])
  }

  @Test func heavyDampeningMatchesTorch() {
    // run(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.9))
    expectTorch(
      trained(SGD(momentum: 0.9, dampening: 0.9, parameterCount: 3)),
      [0.9723600149154663, -1.9448599815368652, 0.39537498354911804])
  }

  @Test func nesterovMatchesTorch() {
    // run(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True))
    expectTorch(
      trained(SGD(momentum: 0.9, nesterov: true, parameterCount: 3)),
      [1.0197991132736206, -2.090857982635498, 0.34905198216438293])
  }

  @Test func nesterovWithWeightDecayMatchesTorch() {
    // run(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1))
    expectTorch(
      trained(SGD(momentum: 0.9, nesterov: true, weightDecay: 0.1, parameterCount: 3)),
      [0.8993731737136841, -1.853978157043457, 0.2962159812450409])
  }

  @Test func momentumWithDampeningAndWeightDecayMatchesTorch() {
    // run(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.1))
    expectTorch(
      trained(SGD(momentum: 0.9, dampening: 0.3, weightDecay: 0.1, parameterCount: 3)),
      [0.9398621916770935, -1.8815255165100098, 0.3521789312362671])
  }

  @Test func torchMomentumRescalesTheVelocityWhenTheRateChanges() {
    // run(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9), lrs=[0.1, 0.05, 0.2, 0.01])
    expectTorch(
      trained(SGD(momentum: 0.9, parameterCount: 3), rates: Self.changingRates),
      [1.042820930480957, -2.0731821060180664, 0.41270798444747925])
    // ... with nesterov=True
    expectTorch(
      trained(SGD(momentum: 0.9, nesterov: true, parameterCount: 3), rates: Self.changingRates),
      [1.010538935661316, -2.1048636436462402, 0.4069371819496155])
  }

  @Test(arguments: [(0.9, 0.0, false), (0.9, 0.3, false), (0.5, 0.0, true)])
  func classicalMomentumEqualsTorchFormUnderAConstantRate(
    momentum: Double, dampening: Double, nesterov: Bool
  ) {
    let torch = trained(
      SGD(momentum: momentum, dampening: dampening, nesterov: nesterov, parameterCount: 3))
    let classical = trained(
      SGD(
        momentum: momentum, dampening: dampening, nesterov: nesterov, form: .classical,
        parameterCount: 3))
    expectClose(classical, torch, relative: 1e-6)
  }

  @Test func classicalMomentumScalesOnlyNewGradientsWhenTheRateChanges() {
    // The classical form by hand in float32 (torch tensors as calculators):
    //   w = torch.tensor(P0); v = torch.zeros(3); mu = torch.tensor(0.9)
    //   for lr, g in zip([0.1, 0.05, 0.2, 0.01], G):
    //       g = torch.tensor(g); lr = torch.tensor(lr)
    //       v = mu * v - lr * g
    //       w = w + v                    # nesterov: w = w + (mu * v - lr * g)
    let classical = trained(
      SGD(momentum: 0.9, form: .classical, parameterCount: 3), rates: Self.changingRates)
    expectTorch(classical, [0.9543600082397461, -2.060419797897339, 0.42605501413345337])
    let nesterov = trained(
      SGD(momentum: 0.9, nesterov: true, form: .classical, parameterCount: 3),
      rates: Self.changingRates)
    expectTorch(nesterov, [0.9309239983558655, -2.0933780670166016, 0.4189494848251343])
    // And the two forms really part ways (torch's form gives 1.0428 for the first weight).
    let torch = trained(SGD(momentum: 0.9, parameterCount: 3), rates: Self.changingRates)
    #expect(abs(classical[0] - torch[0]) > 0.05)
  }

  @Test func scheduledMomentumReplacesTheConfiguredOne() {
    let overridden = trained(SGD(momentum: 0.5, parameterCount: 3), momentum: 0.9)
    #expect(overridden == trained(SGD(momentum: 0.9, parameterCount: 3)))
  }

  // MARK: Adam and AdamW

  @Test func adamMatchesTorch() {
    // run(lambda p: torch.optim.Adam(p, lr=0.1))
    expectTorch(
      trained(Adam(parameterCount: 3)),
      [0.9657819867134094, -2.0185728073120117, 0.22722864151000977])
    // run(lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.8, 0.99), eps=1e-3))
    expectTorch(
      trained(Adam(beta1: 0.8, beta2: 0.99, epsilon: 1e-3, parameterCount: 3)),
      [0.9622660875320435, -2.0279550552368164, 0.24166841804981232])
  }

  @Test func adamCouplesWeightDecayAndAdamWDecouplesIt() {
    // run(lambda p: torch.optim.Adam(p, lr=0.1, weight_decay=0.1))
    let adam = trained(Adam(weightDecay: 0.1, parameterCount: 3))
    expectTorch(adam, [0.8864308595657349, -1.8148620128631592, 0.19867664575576782])
    // run(lambda p: torch.optim.AdamW(p, lr=0.1, weight_decay=0.1))
    let adamw = trained(Adam(weightDecay: 0.1, decoupled: true, parameterCount: 3))
    expectTorch(adamw, [0.927960216999054, -1.941487193107605, 0.21243104338645935])
    #expect(abs(adam[0] - adamw[0]) > 0.01)
  }

  @Test func scheduledBeta1ReplacesTheConfiguredOne() {
    let overridden = trained(Adam(beta1: 0.9, parameterCount: 3), momentum: 0.8)
    #expect(overridden == trained(Adam(beta1: 0.8, parameterCount: 3)))
  }

  // MARK: RMSprop

  @Test func rmspropMatchesTorch() {
    let rates = [0.01, 0.01, 0.01, 0.01]
    // run(lambda p: torch.optim.RMSprop(p, lr=0.01))
    expectTorch(
      trained(RMSprop(parameterCount: 3), rates: rates),
      [0.9130051136016846, -2.010368824005127, 0.3614807426929474])
    // run(lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-3))
    expectTorch(
      trained(RMSprop(alpha: 0.9, epsilon: 1e-3, parameterCount: 3), rates: rates),
      [0.9719110131263733, -2.0038022994995117, 0.45566633343696594])
  }

  @Test func rmspropWithSlowAveragingMatchesTorch() {
    // alpha = 0.999 makes `1 - alpha` sensitive to rounding.
    // run(lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.999))
    expectTorch(
      trained(RMSprop(alpha: 0.999, parameterCount: 3), rates: [0.01, 0.01, 0.01, 0.01]),
      [0.7263219952583313, -2.032500982284546, 0.06291162967681885])
    // run(lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.999, centered=True))
    expectTorch(
      trained(
        RMSprop(alpha: 0.999, centered: true, parameterCount: 3), rates: [0.01, 0.01, 0.01, 0.01]),
      [0.7262495756149292, -2.032402992248535, 0.06262993812561035])
  }

  @Test func rmspropMomentumMatchesTorch() {
    // run(lambda p: torch.optim.RMSprop(p, lr=0.01, momentum=0.5))
    expectTorch(
      trained(RMSprop(momentum: 0.5, parameterCount: 3), rates: [0.01, 0.01, 0.01, 0.01]),
      [0.8807228207588196, -2.010533332824707, 0.27734804153442383])
  }

  @Test func centeredRMSpropMatchesTorch() {
    // run(lambda p: torch.optim.RMSprop(p, lr=0.01, centered=True))
    expectTorch(
      trained(RMSprop(centered: true, parameterCount: 3), rates: [0.01, 0.01, 0.01, 0.01]),
      [0.9127752780914307, -2.010059356689453, 0.36058393120765686])
    // run(lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-3, momentum=0.5,
    //                                   centered=True, weight_decay=0.1))
    expectTorch(
      trained(
        RMSprop(
          alpha: 0.9, epsilon: 1e-3, weightDecay: 0.1, momentum: 0.5, centered: true,
          parameterCount: 3),
        rates: [0.01, 0.01, 0.01, 0.01]),
      [0.9412826299667358, -1.9446959495544434, 0.40875402092933655])
  }

  // MARK: Adagrad

  @Test func adagradMatchesTorch() {
    // run(lambda p: torch.optim.Adagrad(p, lr=0.1))
    expectTorch(
      trained(Adagrad(parameterCount: 3)),
      [0.9135048389434814, -2.010267496109009, 0.36181357502937317])
  }

  @Test func adagradDecaysItsRateAndStartsFromTheInitialAccumulator() {
    // run(lambda p: torch.optim.Adagrad(p, lr=0.1, lr_decay=0.1, initial_accumulator_value=0.5))
    expectTorch(
      trained(Adagrad(learningRateDecay: 0.1, initialAccumulator: 0.5, parameterCount: 3)),
      [0.9950418472290039, -2.0267386436462402, 0.44658079743385315])
    // run(lambda p: torch.optim.Adagrad(p, lr=0.1, weight_decay=0.1, eps=1e-3))
    expectTorch(
      trained(Adagrad(weightDecay: 0.1, epsilon: 1e-3, parameterCount: 3)),
      [0.8770246505737305, -1.8932615518569946, 0.33791384100914])
  }

  // MARK: Settings

  @Test func settingsBuildEachOptimizerWithTorchDefaults() {
    // torch.optim's defaults:
    //   run(lambda p: torch.optim.SGD(p)), run(lambda p: torch.optim.Adam(p)),
    //   run(lambda p: torch.optim.AdamW(p)), run(lambda p: torch.optim.RMSprop(p)),
    //   run(lambda p: torch.optim.Adagrad(p))
    let expected: [OptimizerSettings.Name: [Float]] = [
      .sgd: [0.9998999238014221, -2.000300168991089, 0.4995499849319458],
      .adam: [0.9996578097343445, -2.00018572807312, 0.4972723126411438],
      .adamw: [0.9996177554130554, -2.000105619430542, 0.49725234508514404],
      .rmsprop: [0.9130051136016846, -2.010368824005127, 0.3614807426929474],
      .adagrad: [0.9913504719734192, -2.0010266304016113, 0.4861813485622406],
    ]
    for name in OptimizerSettings.Name.allCases {
      let settings = OptimizerSettings(name)
      let rates = Array(repeating: settings.learningRate, count: 4)
      let optimizer = settings.makeOptimizer(parameterCount: 3)
      expectTorch(trained(optimizer, rates: rates), expected[name]!, "\(name)")
    }
  }

  @Test func settingsPassEveryOptionThrough() {
    var settings = OptimizerSettings(.sgd)
    settings.momentum = 0.9
    settings.nesterov = true
    settings.weightDecay = 0.1
    // Same values as nesterovWithWeightDecayMatchesTorch.
    expectTorch(
      trained(settings.makeOptimizer(parameterCount: 3)),
      [0.8993731737136841, -1.853978157043457, 0.2962159812450409])
    settings.nesterov = false
    settings.dampening = 0.3
    expectTorch(
      trained(settings.makeOptimizer(parameterCount: 3)),
      [0.9398621916770935, -1.8815255165100098, 0.3521789312362671])
    var rmsprop = OptimizerSettings(.rmsprop)
    (rmsprop.alpha, rmsprop.epsilon, rmsprop.momentum) = (0.9, 1e-3, 0.5)
    (rmsprop.centered, rmsprop.weightDecay) = (true, 0.1)
    expectTorch(
      trained(rmsprop.makeOptimizer(parameterCount: 3), rates: [0.01, 0.01, 0.01, 0.01]),
      [0.9412826299667358, -1.9446959495544434, 0.40875402092933655])
    var adagrad = OptimizerSettings(.adagrad)
    (adagrad.learningRateDecay, adagrad.initialAccumulator) = (0.1, 0.5)
    expectTorch(
      trained(adagrad.makeOptimizer(parameterCount: 3)),
      [0.9950418472290039, -2.0267386436462402, 0.44658079743385315])
    var adam = OptimizerSettings(.adam)
    (adam.beta1, adam.beta2, adam.epsilon) = (0.8, 0.99, 1e-3)
    expectTorch(
      trained(adam.makeOptimizer(parameterCount: 3)),
      [0.9622660875320435, -2.0279550552368164, 0.24166841804981232])
  }

  // MARK: Clipping

  /// Clips `[3, -4, 0.5, 12]` (global norm 13.0096...) and returns the gradients and the norm.
  func clipped(_ clipping: GradientClipping) -> ([Float], Double) {
    var gradients: [Float] = [3, -4, 0.5, 12]
    let norm = gradients.withUnsafeMutableBufferPointer { clipping.apply(to: $0) }
    return (gradients, norm)
  }

  @Test func clippingByNormMatchesTorch() {
    // p = torch.nn.Parameter(torch.zeros(4)); p.grad = torch.tensor([3.0, -4.0, 0.5, 12.0])
    // torch.nn.utils.clip_grad_norm_([p], 2.0) -> 13.009612083435059; p.grad:
    let (gradients, norm) = clipped(GradientClipping(maxNorm: 2))
    expectClose(
      gradients, [0.4611974358558655, -0.6149299144744873, 0.07686623930931091, 1.844789743423462],
      relative: 1e-6)
    #expect(abs(norm - 13.009612083435059) < 1e-6)
  }

  @Test func clippingByNormLeavesSmallGradientsAlone() {
    // torch.nn.utils.clip_grad_norm_([p], 20.0) leaves p.grad unchanged.
    #expect(clipped(GradientClipping(maxNorm: 20)).0 == [3, -4, 0.5, 12])
    #expect(clipped(GradientClipping()).0 == [3, -4, 0.5, 12])
  }

  @Test func clippingByValueMatchesTorch() {
    // torch.nn.utils.clip_grad_value_([p], 1.0) -> [1.0, -1.0, 0.5, 1.0]
    #expect(clipped(GradientClipping(maxValue: 1)).0 == [1, -1, 0.5, 1])
  }

  @Test func clippingByNormThenByValue() {
    // By norm to [0.4612, -0.6149, 0.0769, 1.8448] (above), then by value 0.5.
    expectClose(
      clipped(GradientClipping(maxNorm: 2, maxValue: 0.5)).0,
      [0.4611974358558655, -0.5, 0.07686623930931091, 0.5], relative: 1e-6)
  }
}
