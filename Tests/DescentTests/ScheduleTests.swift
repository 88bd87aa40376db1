import Foundation
import Testing

@testable import Descent
@testable import DescentEngine

/// Every schedule at chosen steps, against torch.optim.lr_scheduler where torch has the schedule
/// and against its formula otherwise. The torch values come from (PyTorch 2.15, double
/// precision):
///
///     from torch.optim import lr_scheduler as S
///     def lrs(make, n, momentum=False, opt=None):
///         p = torch.nn.Parameter(torch.zeros(1))
///         o = opt([p]) if opt else torch.optim.SGD([p], lr=0.1)
///         s = make(o); out = []
///         for _ in range(n):
///             g = o.param_groups[0]
///             out.append(g['momentum'] if momentum else g['lr'])
///             o.step(); s.step()
///         return out
///
/// with the `make` named in each test: the value at index `t` is the rate of step `t`.
@Suite struct ScheduleTests {
  /// The rates of steps `0..<count` with base rate 0.1.
  func rates(
    _ settings: ScheduleSettings, count: Int, trainingSteps: Int = 100
  ) -> [Double] {
    let schedule = LearningRateSchedule(
      settings: settings, baseRate: 0.1, trainingSteps: trainingSteps)
    return (0..<count).map { schedule.learningRate(at: $0) }
  }

  func settings(
    _ name: ScheduleSettings.Name, _ change: (inout ScheduleSettings) -> Void = { _ in }
  )
    -> ScheduleSettings
  {
    var settings = ScheduleSettings(name)
    change(&settings)
    return settings
  }

  @Test func constantKeepsTheBaseRate() {
    #expect(rates(settings(.constant), count: 50).allSatisfy { $0 == 0.1 })
  }

  @Test func stepMatchesStepLR() {
    // lrs(lambda o: S.StepLR(o, step_size=3, gamma=0.5), 10)
    let expected = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125]
    let actual = rates(settings(.step) { ($0.stepSize, $0.gamma) = (3, 0.5) }, count: 10)
    expectClose(actual, expected, relative: 1e-12)
  }

  @Test func stepDefaultsToTorchsGammaAndTenSteps() {
    // StepLR's gamma defaults to 0.1; step_size 10 is Descent's choice (torch requires one).
    let actual = rates(settings(.step), count: 21)
    #expect(actual[9] == 0.1)
    #expect(abs(actual[10] - 0.01) < 1e-15 && abs(actual[20] - 0.001) < 1e-15)
  }

  @Test func multistepMatchesMultiStepLR() {
    // lrs(lambda o: S.MultiStepLR(o, milestones=[2, 5, 6], gamma=0.1), 8)
    let expected = [
      0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002,
      0.0010000000000000002, 0.00010000000000000003, 0.00010000000000000003,
    ]
    let actual = rates(settings(.multistep) { $0.milestones = [2, 5, 6] }, count: 8)
    expectClose(actual, expected, relative: 1e-12)
  }

  @Test func exponentialMatchesExponentialLR() {
    // lrs(lambda o: S.ExponentialLR(o, gamma=0.9), 6)
    let expected = [
      0.1, 0.09000000000000001, 0.08100000000000002, 0.07290000000000002, 0.06561000000000002,
      0.05904900000000002,
    ]
    let actual = rates(settings(.exponential) { $0.gamma = 0.9 }, count: 6)
    expectClose(actual, expected, relative: 1e-12)
  }

  @Test func inverseFollowsCaffesFormula() {
    // Caffe's "inv" policy has no torch class: b (1 + gamma t)^(-power), in Python:
    //   0.1 * 1.3**-0.75 = 0.08213769018249545;  0.1 * 11**-0.75 = 0.01655600260761702
    let actual = rates(settings(.inverse) { ($0.gamma, $0.power) = (0.1, 0.75) }, count: 101)
    #expect(actual[0] == 0.1)
    #expect(abs(actual[3] - 0.08213769018249545) < 1e-15)
    #expect(abs(actual[100] - 0.01655600260761702) < 1e-15)
  }

  @Test func polynomialMatchesPolynomialLR() {
    // lrs(lambda o: S.PolynomialLR(o, total_iters=8, power=2), 10)
    let expected = [
      0.1, 0.0765625, 0.05625, 0.03906250000000001, 0.02500000000000001, 0.014062500000000006,
      0.006250000000000002, 0.0015625000000000005, 0.0, 0.0,
    ]
    let actual = rates(settings(.polynomial) { ($0.totalSteps, $0.power) = (8, 2) }, count: 10)
    expectClose(actual, expected, relative: 1e-12, floor: 1e-3)
  }

  @Test func polynomialLastsTheWholeTrainingByDefault() {
    // T = 20 training steps, power 1: b (1 - t / 20).
    let actual = rates(settings(.polynomial), count: 21, trainingSteps: 20)
    #expect(abs(actual[5] - 0.075) < 1e-15 && actual[20] == 0)
  }

  @Test func cosineMatchesCosineAnnealingLRWithAFloor() {
    // lrs(lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001), 11)
    let expected = [
      0.1, 0.09757729755661011, 0.0905463412215599, 0.07959536998847742, 0.0657963412215599,
      0.0505, 0.03520365877844011, 0.02140463001152259, 0.010453658778440109,
      0.0034227024433899004, 0.001,
    ]
    let cosine = settings(.cosine) { ($0.totalSteps, $0.minimum) = (10, 0.001) }
    let actual = rates(cosine, count: 14)
    expectClose(Array(actual[..<11]), expected, relative: 1e-12)
    // Past T, torch's curve rises again; Descent holds the floor.
    #expect(actual[11...].allSatisfy { $0 == 0.001 })
  }

  @Test func oneCycleMatchesOneCycleLR() {
    // lrs(lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=20), 20)
    let expected = [
      0.0040000000000000036, 0.013167184270002533, 0.037167184270002526, 0.06683281572999747,
      0.09083281572999748, 0.1, 0.09874640062350874, 0.09504846320134738, 0.089091617757105,
      0.0811745653949763, 0.07169430017913009, 0.06112620219362893, 0.0500002,
      0.03887419780637107, 0.028306099820869922, 0.0188258346050237, 0.010908782242895003,
      0.004951936798652629, 0.0012539993764912555, 4e-07,
    ]
    let actual = rates(settings(.oneCycle) { $0.totalSteps = 20 }, count: 20)
    expectClose(actual, expected, relative: 1e-12, floor: 1e-3)
  }

  @Test func oneCycleCyclesMomentumOnlyWhenAsked() {
    // lrs(lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=20), 20, momentum=True,
    //     opt=lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9))
    let expected = [
      0.95, 0.9404508497187474, 0.9154508497187474, 0.8845491502812526, 0.8595491502812526, 0.85,
      0.8512536043909088, 0.854951556604879, 0.8609084258765984, 0.8688255099070633,
      0.878305813044122, 0.8888739533021842, 0.8999999999999999, 0.9111260466978157,
      0.9216941869558779, 0.9311744900929366, 0.9390915741234015, 0.945048443395121,
      0.9487463956090911, 0.95,
    ]
    var oneCycle = settings(.oneCycle) { $0.totalSteps = 20 }
    let still = LearningRateSchedule(settings: oneCycle, baseRate: 0.1, trainingSteps: 20)
    #expect((0..<20).allSatisfy { still.momentum(at: $0) == nil })
    oneCycle.cycleMomentum = true
    let cycling = LearningRateSchedule(settings: oneCycle, baseRate: 0.1, trainingSteps: 20)
    expectClose((0..<20).map { cycling.momentum(at: $0)! }, expected, relative: 1e-12)
  }

  @Test func otherSchedulesNeverCycleMomentum() {
    for name in ScheduleSettings.Name.allCases where name != .oneCycle {
      var settings = ScheduleSettings(name)
      settings.cycleMomentum = true
      let schedule = LearningRateSchedule(settings: settings, baseRate: 0.1, trainingSteps: 10)
      #expect((0..<10).allSatisfy { schedule.momentum(at: $0) == nil }, "\(name)")
    }
  }

  @Test func plateauMatchesReduceLROnPlateau() {
    // p = torch.nn.Parameter(torch.zeros(1)); o = torch.optim.SGD([p], lr=0.1)
    // s = S.ReduceLROnPlateau(o, mode='min', factor=0.5, patience=2, threshold=0.1, cooldown=1,
    //                         min_lr=0.02)
    // for m in metrics: s.step(m); out.append(o.param_groups[0]['lr'])
    let metrics = [
      1.0, 0.95, 0.89, 0.9, 0.9, 0.9, 0.85, 0.85, 0.85, 0.85, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5,
      0.5,
    ]
    let expected = [
      0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.02, 0.02,
      0.02, 0.02, 0.02,
    ]
    var schedule = LearningRateSchedule(
      settings: settings(.plateau) {
        ($0.factor, $0.patience, $0.threshold, $0.cooldown, $0.minimumRate) = (0.5, 2, 0.1, 1, 0.02)
      }, baseRate: 0.1, trainingSteps: 20)
    var actual: [Double] = []
    for (epoch, metric) in metrics.enumerated() {
      schedule.observe(metric)
      actual.append(schedule.learningRate(at: epoch + 1))
    }
    expectClose(actual, expected, relative: 1e-12)
  }

  @Test func plateauDefaultsMatchReduceLROnPlateau() {
    // s = S.ReduceLROnPlateau(o) fed 1.0 25 times: 0.1 for 11 epochs, 0.01 for 11, then 0.001.
    var schedule = LearningRateSchedule(
      settings: settings(.plateau), baseRate: 0.1, trainingSteps: 30)
    var actual: [Double] = []
    for epoch in 0..<25 {
      schedule.observe(1.0)
      actual.append(schedule.learningRate(at: epoch + 1))
    }
    let expected =
      Array(repeating: 0.1, count: 11) + Array(repeating: 0.010000000000000002, count: 11)
      + Array(repeating: 0.0010000000000000002, count: 3)
    expectClose(actual, expected, relative: 1e-12)
  }

  @Test func warmupAloneMatchesLinearLR() {
    // lrs(lambda o: S.LinearLR(o, start_factor=1/3, total_iters=5), 8)
    let expected = [
      0.03333333333333333, 0.04666666666666667, 0.060000000000000005, 0.07333333333333335,
      0.08666666666666668, 0.1, 0.1, 0.1,
    ]
    let actual = rates(settings(.constant) { $0.warmupSteps = 5 }, count: 8)
    expectClose(actual, expected, relative: 1e-12)
  }

  @Test func warmupThenCosineMatchesSequentialLR() {
    // lrs(lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=1/3, total_iters=5),
    //                                  S.CosineAnnealingLR(o, T_max=10)], milestones=[5]), 16)
    let expected = [
      0.03333333333333333, 0.04666666666666667, 0.060000000000000005, 0.07333333333333335,
      0.08666666666666668, 0.1, 0.09755282581475769, 0.09045084971874738, 0.07938926261462367,
      0.06545084971874739, 0.05000000000000001, 0.03454915028125264, 0.020610737385376353,
      0.009549150281252635, 0.002447174185242324, 0.0,
    ]
    // The cosine lasts the 10 training steps left after the warmup.
    let actual = rates(settings(.cosine) { $0.warmupSteps = 5 }, count: 16, trainingSteps: 15)
    expectClose(actual, expected, relative: 1e-12, floor: 1e-3)
  }

  @Test func warmupThenStepRestartsTheStepClock() {
    // lrs(lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.25, total_iters=4),
    //                                  S.StepLR(o, step_size=2, gamma=0.5)], milestones=[4]), 10)
    let expected = [
      0.025, 0.043750000000000004, 0.06250000000000001, 0.08125000000000002, 0.1, 0.1, 0.05, 0.05,
      0.025, 0.025,
    ]
    let actual = rates(
      settings(.step) {
        ($0.warmupSteps, $0.warmupStartFactor, $0.stepSize, $0.gamma) = (4, 0.25, 2, 0.5)
      }, count: 10)
    expectClose(actual, expected, relative: 1e-12)
  }

  @Test func warmupThenOneCycleStartsTheCycleAfterTheWarmup() {
    // Formula: after W = 3 warmup steps the cycle of oneCycleMatchesOneCycleLR runs from its own
    // step 0, momentum included; during the warmup the configured momentum is kept.
    var oneCycle = settings(.oneCycle) { ($0.warmupSteps, $0.cycleMomentum) = (3, true) }
    let schedule = LearningRateSchedule(settings: oneCycle, baseRate: 0.1, trainingSteps: 23)
    #expect(abs(schedule.learningRate(at: 0) - 0.1 / 3) < 1e-15)
    #expect(schedule.momentum(at: 2) == nil)
    #expect(abs(schedule.learningRate(at: 3) - 0.0040000000000000036) < 1e-15)
    #expect(abs(schedule.learningRate(at: 8) - 0.1) < 1e-15)
    #expect(abs(schedule.momentum(at: 8)! - 0.85) < 1e-15)
    #expect(abs(schedule.learningRate(at: 22) - 4e-07) < 1e-15)
    oneCycle.warmupSteps = 0
    #expect(
      LearningRateSchedule(settings: oneCycle, baseRate: 0.1, trainingSteps: 20).defaultLength == 20
    )
  }

  // MARK: The trainer's clock

  /// A trainer on 10 examples of `digits`-like random data, batches of 4 (3 batches an epoch).
  func trainer(_ schedule: ScheduleSettings) -> (Trainer, Dataset) {
    let rows = 10
    let data = Dataset(
      features: normalValues(rows * 2, seed: 5).map(Float.init),
      targets: (0..<rows).map { Float($0 % 2) }, featureCount: 2, targetWidth: 1,
      featureNames: ["a", "b"], classNames: ["0", "1"])
    var optimizer = OptimizerSettings(.sgd)
    optimizer.learningRate = 0.1
    let settings = TrainingSettings(
      model: ModelSpec(layers: [.dense(units: 2)]), loss: .crossEntropy(labelSmoothing: 0),
      optimizer: optimizer, schedule: schedule, epochs: 4, batchSize: 4, seed: 1)
    return (Trainer(settings: settings, featureCount: 2, trainingRows: rows), data)
  }

  @Test func trainerStepsAnEpochScheduleOncePerEpoch() {
    var (trainer, data) = trainer(settings(.exponential) { $0.gamma = 0.5 })
    for epoch in 0..<3 {
      #expect(trainer.learningRate == 0.1 * pow(0.5, Double(epoch)))
      let summary = trainer.trainEpoch(on: data)
      #expect(summary.learningRate == 0.1 * pow(0.5, Double(epoch)))
      #expect(summary.step == 3 * (epoch + 1))
    }
  }

  @Test func trainerStepsABatchScheduleOncePerBatch() {
    var (trainer, data) = trainer(
      settings(.exponential) { ($0.gamma, $0.interval) = (0.5, .batch) })
    // The last of the first epoch's three batches trains at step 2, the second epoch's at 5.
    #expect(trainer.trainEpoch(on: data).learningRate == 0.1 * 0.25)
    #expect(trainer.learningRate == 0.1 * 0.125)
    #expect(trainer.trainEpoch(on: data).learningRate == 0.1 * pow(0.5, 5))
  }

  @Test func batchScheduleSpansAllBatchesOfTheTraining() {
    // 4 epochs of 3 batches: a per-batch cosine lasts 12 steps and ends at its floor.
    let (trainer, _) = trainer(settings(.cosine) { $0.interval = .batch })
    #expect(trainer.schedule.defaultLength == 12)
    #expect(trainer.schedule.learningRate(at: 12) == 0)
    #expect(abs(trainer.schedule.learningRate(at: 6) - 0.05) < 1e-15)
  }
}
