import Foundation
import Testing

@testable import Descent
@testable import DescentEngine

/// The `expect:` section: how it is read, how it is checked against a results folder, and what
/// the command line does when an expectation holds or fails.
struct ExpectationTests {
  // MARK: Reading

  @Test func aggregateBetweenAndStatusAreRead() throws {
    let experiment = try ExperimentFile.load(
      ExpectationSweep.file(
        expect: """
            - metric: val_loss
              aggregate: max
              between: [0.1, 0.5]
            - status: complete
            - {metric: train_loss, at_most: 2, status: complete}
          """))
    let expectations = experiment.expectations
    #expect(expectations.count == 3)
    #expect(expectations[0].metric == .valLoss)
    #expect(expectations[0].aggregate == .max)
    #expect(expectations[0].atLeast == 0.1)
    #expect(expectations[0].atMost == 0.5)
    #expect(expectations[0].boundDescription == "between 0.1 and 0.5")
    #expect(!expectations[0].requiresComplete)
    #expect(expectations[1].metric == nil)
    #expect(expectations[1].requiresComplete)
    #expect(expectations[2].aggregate == .mean)
    #expect(expectations[2].boundDescription == "at most 2.0")
    #expect(expectations[2].requiresComplete)
  }

  @Test func expectationProblemsAreReportedWordForWord() {
    let problems = ExperimentFile.problems(
      ExpectationSweep.file(
        expect: """
            - {metric: val_loss, between: [0.5, 0.1]}
            - {metric: val_loss, at_least: 0.1, between: [0.1, 0.2]}
            - {metric: val_loss, between: [0.1]}
            - {metric: val_loss, aggregate: median, at_most: 1}
            - {status: done}
            - {where: {optimizer.momentum: 0.9}}
            - {at_most: 0.5}
            - {metric: val_loss, at_least: 0.5, at_most: 0.1}
            - {status: complete, aggregate: min}
          """))
    #expect(
      problems == [
        "x.yaml:14:33: expect.0.between: expected the lower bound first, found [0.5, 0.1]",
        "x.yaml:15:39: expect.1.between: between cannot be combined with at_least or at_most; "
          + "use between alone",
        "x.yaml:16:33: expect.2.between: expected a list of two numbers [low, high], found a list",
        "x.yaml:17:35: expect.3.aggregate: expected one of mean, min, max, found \"median\"; did "
          + "you mean 'mean'?",
        "x.yaml:18:14: expect.4.status: expected one of complete, found \"done\"",
        "x.yaml:19:5: expect.5: expected a metric with at_least, at_most or between, or status: "
          + "complete; found neither",
        "x.yaml:20:5: expect.6.metric: missing required key; expected one of train_loss, "
          + "val_loss, val_accuracy, val_rmse, val_r2",
        "x.yaml:21:48: expect.7.at_most: expected a number >= at_least (0.5), found 0.1",
        "x.yaml:22:5: expect.8.metric: missing required key; expected one of train_loss, "
          + "val_loss, val_accuracy, val_rmse, val_r2",
      ])
  }

  @Test func metricWithoutBoundIsReported() {
    #expect(
      ExperimentFile.problems(ExpectationSweep.file(expect: "  - {metric: val_loss}"))
        == ["x.yaml:14:5: expect.0: expected at_least, at_most or between, found none"])
  }

  // MARK: Checking

  @Test func meanOverSeedsBelowTheBoundFailsWithTheValueFound() throws {
    let check = try ExpectationSweep.check(
      expect: """
          - where: {optimizer.momentum: 0.9}
            metric: val_accuracy
            at_least: 0.95
        """)
    #expect(
      check.outcomes.map(\.message) == [
        "x.yaml:14:5: expect[0]: val_accuracy mean over seeds 1, 2, 3 is 0.9412 where "
          + "optimizer.momentum=0.9, optimizer.lr=0.01; expected at least 0.95",
        "x.yaml:14:5: expect[0]: val_accuracy mean over seeds 1, 2, 3 is 0.9700 where "
          + "optimizer.momentum=0.9, optimizer.lr=0.1; expected at least 0.95",
      ])
    #expect(check.outcomes.map(\.passed) == [false, true])
    #expect(
      check.outcomes.map(\.name) == [
        "expect[0] val_accuracy mean at least 0.95 where optimizer.momentum=0.9, optimizer.lr=0.01",
        "expect[0] val_accuracy mean at least 0.95 where optimizer.momentum=0.9, optimizer.lr=0.1",
      ])
    #expect(check.failures.count == 1)
  }

  @Test func minAndMaxAggregateOverTheSeedsOfEachConfiguration() throws {
    let check = try ExpectationSweep.check(
      expect: """
          - {where: {optimizer.momentum: 0.9, optimizer.lr: 0.01}, metric: val_accuracy, aggregate: min, at_least: 0.935}
          - {where: {optimizer.momentum: 0.9, optimizer.lr: 0.01}, metric: val_accuracy, aggregate: max, at_most: 0.95}
        """)
    #expect(
      check.outcomes.map(\.message) == [
        "x.yaml:14:5: expect[0]: val_accuracy min over seeds 1, 2, 3 is 0.9336 where "
          + "optimizer.momentum=0.9, optimizer.lr=0.01; expected at least 0.935",
        "x.yaml:15:5: expect[1]: val_accuracy max over seeds 1, 2, 3 is 0.9500 where "
          + "optimizer.momentum=0.9, optimizer.lr=0.01; expected at most 0.95",
      ])
    #expect(check.outcomes.map(\.passed) == [false, true])
  }

  @Test func betweenBoundsBothSides() throws {
    let check = try ExpectationSweep.check(
      expect: "  - {where: {optimizer.lr: 0.1}, metric: val_accuracy, between: [0.9, 0.96]}")
    #expect(check.outcomes.map(\.passed) == [true, false])
    #expect(
      check.outcomes[1].message
        == "x.yaml:14:5: expect[0]: val_accuracy mean over seeds 1, 2, 3 is 0.9700 where "
        + "optimizer.momentum=0.9, optimizer.lr=0.1; expected between 0.9 and 0.96")
  }

  @Test func valueIsShownInFullWhenRoundingWouldHideTheFailure() throws {
    let check = try ExpectationSweep.check(
      expect: "  - {where: {optimizer.momentum: 0.0, optimizer.lr: 0.01}, metric: val_accuracy, "
        + "aggregate: min, at_least: 0.95}",
      accuracy: { _ in 0.94996 })
    #expect(
      check.outcomes.map(\.message) == [
        "x.yaml:14:5: expect[0]: val_accuracy min over seeds 1, 2, 3 is 0.94996 where "
          + "optimizer.momentum=0.0, optimizer.lr=0.01; expected at least 0.95"
      ])
  }

  @Test func aSeedInWhereChecksSingleRuns() throws {
    let check = try ExpectationSweep.check(
      expect: "  - {where: {seed: 3, optimizer.lr: 0.01}, metric: val_accuracy, at_least: 0.94}")
    #expect(
      check.outcomes.map(\.message) == [
        "x.yaml:14:5: expect[0]: val_accuracy of seed 3 is 0.9000 where optimizer.momentum=0.0, "
          + "optimizer.lr=0.01; expected at least 0.94",
        "x.yaml:14:5: expect[0]: val_accuracy of seed 3 is 0.9336 where optimizer.momentum=0.9, "
          + "optimizer.lr=0.01; expected at least 0.94",
      ])
  }

  @Test func aDivergedRunFailsItsConfigurationsCheckAndSaysSo() throws {
    let check = try ExpectationSweep.check(
      expect: "  - {where: {optimizer.momentum: 0.9}, metric: val_accuracy, at_least: 0.5}",
      status: { $0.id == "momentum-0.9_lr-0.1_seed-2" ? .diverged : .complete })
    #expect(
      check.outcomes.map(\.message) == [
        "x.yaml:14:5: expect[0]: val_accuracy mean over seeds 1, 2, 3 is 0.9412 where "
          + "optimizer.momentum=0.9, optimizer.lr=0.01; expected at least 0.5",
        "x.yaml:14:5: expect[0]: val_accuracy mean over seeds 1, 2, 3 is unknown where "
          + "optimizer.momentum=0.9, optimizer.lr=0.1: run momentum-0.9_lr-0.1_seed-2 diverged at "
          + "epoch 1; expected at least 0.5",
      ])
    #expect(check.outcomes.map(\.passed) == [true, false])
  }

  @Test func statusCompleteFailsEachRunThatDidNotComplete() throws {
    let check = try ExpectationSweep.check(
      expect: """
          - where: {optimizer.lr: 0.1}
            status: complete
        """,
      status: { run in
        switch run.id {
        case "momentum-0.0_lr-0.1_seed-1": .failed
        case "momentum-0.0_lr-0.1_seed-3": .diverged
        default: .complete
        }
      })
    #expect(
      check.failures.map(\.message) == [
        "x.yaml:14:5: expect[0]: 2 of 3 runs did not complete where optimizer.momentum=0.0, "
          + "optimizer.lr=0.1; expected every run complete",
        "x.yaml:14:5: expect[0]: run momentum-0.0_lr-0.1_seed-1 failed: out of memory; expected "
          + "status complete",
        "x.yaml:14:5: expect[0]: run momentum-0.0_lr-0.1_seed-3 diverged at epoch 1; expected "
          + "status complete",
      ])
    #expect(
      check.outcomes.map(\.name) == [
        "expect[0] every run complete where optimizer.momentum=0.0, optimizer.lr=0.1",
        "expect[0] every run complete where optimizer.momentum=0.9, optimizer.lr=0.1",
        "expect[0] run momentum-0.0_lr-0.1_seed-1 complete",
        "expect[0] run momentum-0.0_lr-0.1_seed-3 complete",
      ])
  }

  @Test func statusCompleteWithAMetricCountsUnfinishedRunsInTheConfigurationsCheck() throws {
    let check = try ExpectationSweep.check(
      expect: "  - {where: {optimizer.lr: 0.1}, metric: val_accuracy, at_least: 0.5, "
        + "status: complete}",
      status: { $0.id == "momentum-0.9_lr-0.1_seed-1" ? .diverged : .complete })
    #expect(
      check.failures.map(\.message) == [
        "x.yaml:14:5: expect[0]: val_accuracy mean over seeds 1, 2, 3 is unknown where "
          + "optimizer.momentum=0.9, optimizer.lr=0.1: 1 of 3 runs did not complete; expected at "
          + "least 0.5",
        "x.yaml:14:5: expect[0]: run momentum-0.9_lr-0.1_seed-1 diverged at epoch 1; expected "
          + "status complete",
      ])
  }

  @Test func pendingRunsAndUnmeasuredMetricsFailTheCheck() throws {
    let check = try ExpectationSweep.check(
      expect: """
          - {where: {optimizer.momentum: 0.0, optimizer.lr: 0.01}, metric: val_rmse, at_most: 1}
          - {where: {optimizer.momentum: 0.9, optimizer.lr: 0.1}, metric: val_accuracy, at_least: 0}
        """,
      status: { $0.id == "momentum-0.9_lr-0.1_seed-3" ? nil : .complete })
    #expect(
      check.failures.map(\.message) == [
        "x.yaml:14:5: expect[0]: val_rmse mean over seeds 1, 2, 3 is unknown where "
          + "optimizer.momentum=0.0, optimizer.lr=0.01: run momentum-0.0_lr-0.01_seed-1 did not "
          + "measure val_rmse, run momentum-0.0_lr-0.01_seed-2 did not measure val_rmse, run "
          + "momentum-0.0_lr-0.01_seed-3 did not measure val_rmse; expected at most 1.0",
        "x.yaml:15:5: expect[1]: val_accuracy mean over seeds 1, 2, 3 is unknown where "
          + "optimizer.momentum=0.9, optimizer.lr=0.1: run momentum-0.9_lr-0.1_seed-3 has not run "
          + "(pending); expected at least 0.0",
      ])
  }

  @Test func expectationsSurviveTheManifest() throws {
    let experiment = try ExperimentFile.load(
      ExpectationSweep.file(
        expect: """
            - {where: {optimizer.momentum: 0.9}, metric: val_loss, aggregate: min, between: [0, 1]}
            - {status: complete}
          """))
    let json = try Manifest(experiment: experiment).json()
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    let manifest = try decoder.decode(Manifest.self, from: json)
    #expect(manifest.checks == experiment.expectations)
    let text = String(decoding: json, as: UTF8.self)
    #expect(text.contains(#""at_least" : 0"#))
    #expect(text.contains(#""status" : "complete""#))
    #expect(text.contains(#""task" : "classification""#))
    #expect(!text.contains("shard"))
  }

  @Test func aManifestWithoutTheNewFieldsStillReads() throws {
    let old = """
      {"descent_version": "0.1.0", "experiment": "old", "runs": [{"config_hash": "abc",
      "epochs": 3, "id": "run", "index": 0, "seed": 1, "settings": [], "status": "complete"}]}
      """
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    let manifest = try decoder.decode(Manifest.self, from: Data(old.utf8))
    #expect(manifest.checks.isEmpty)
    #expect(manifest.shard == nil)
    #expect(manifest.runs[0].task == nil)
    #expect(manifest.runs[0].isClassification)
  }

  // MARK: The command line

  @Test func expectationsThatHoldExitZero() throws {
    let folder = try TemporaryFolder()
    let file = try ExpectationSweep.write(
      in: folder,
      expect: """
          - {metric: val_accuracy, at_least: 0.0}
          - {metric: val_loss, aggregate: max, between: [0, 100]}
          - {status: complete}
        """)
    let result = try descent("run", file, "--out", folder.path)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("tiny: 6 expectation checks passed"))
    #expect(!result.stderr.contains("expect["))
  }

  @Test func aFailedExpectationExitsOneAndPrintsEveryFailure() throws {
    let folder = try TemporaryFolder()
    let file = try ExpectationSweep.write(
      in: folder,
      expect: """
          - {where: {optimizer.lr: 0.05}, metric: val_accuracy, at_least: 1.5}
          - {metric: train_loss, aggregate: min, at_least: 0}
        """)
    let result = try descent("run", file, "--out", folder.path, "--quiet")
    #expect(result.status == 1)
    let failures = result.stderr.split(separator: "\n").filter { $0.contains("expect[") }
    #expect(failures.count == 1)
    let failure = try #require(failures.first)
    #expect(failure.hasPrefix("\(file):15:5: expect[0]: val_accuracy mean over seeds 1, 2 is 0."))
    #expect(failure.hasSuffix(" where optimizer.lr=0.05; expected at least 1.5"))

    // The same verdict from the folder's files, without training.
    let check = try descent("check", folder.path + "/tiny")
    #expect(check.status == 1)
    #expect(check.stderr.split(separator: "\n").filter { $0.contains("expect[") } == failures)
    #expect(check.stdout == "tiny: 1 of 3 expectation checks failed\n")
  }

  @Test func divergedRunsFailStatusCompleteWordForWord() throws {
    let folder = try TemporaryFolder()
    let file = try ExpectationSweep.write(
      in: folder, learningRates: "[0.05, 1.0e+30]",
      expect: "  - {where: {optimizer.lr: 1.0e+30}, status: complete}")
    let result = try descent("run", file, "--out", folder.path, "--quiet")
    #expect(result.status == 1)
    #expect(
      result.stderr == """
        \(file):15:5: expect[0]: 2 of 2 runs did not complete where optimizer.lr=1.0e+30; expected every run complete
        \(file):15:5: expect[0]: run lr-1.0e_30_seed-1 diverged at epoch 1; expected status complete
        \(file):15:5: expect[0]: run lr-1.0e_30_seed-2 diverged at epoch 1; expected status complete

        """)
  }
}

/// A sweep of 2 momentum values × 2 learning rates × 3 seeds with hand-made results, and a tiny
/// real sweep for the executable.
enum ExpectationSweep {
  /// The validation accuracy of each run unless a test says otherwise: the momentum 0.9,
  /// lr 0.01 configuration averages 0.9412 over its seeds.
  static let accuracies: [String: [Double]] = [
    "momentum-0.0_lr-0.01": [0.91, 0.92, 0.90],
    "momentum-0.0_lr-0.1": [0.93, 0.94, 0.95],
    "momentum-0.9_lr-0.01": [0.94, 0.95, 0.9336],
    "momentum-0.9_lr-0.1": [0.96, 0.97, 0.98],
  ]

  /// The experiment text with `expect` (list items indented by two spaces) as its `expect:`
  /// list, whose first item is on line 14.
  static func file(expect: String) -> String {
    ExperimentFile.minimal + """

      sweep:
        grid:
          optimizer.momentum: [0.0, 0.9]
          optimizer.lr: [0.01, 0.1]
        seeds: [1, 2, 3]
      expect:
      \(expect)
      """
  }

  /// The expectations of `file(expect:)` checked against hand-made results: each run's final
  /// validation accuracy from `accuracy` (by default `accuracies`), its status from `status`
  /// (`nil` leaves it pending).
  static func check(
    expect: String, accuracy: ((RunSpec) -> Double)? = nil,
    status: (RunSpec) -> RunStatus? = { _ in .complete }
  ) throws -> ExpectationCheck {
    let experiment = try ExperimentFile.load(file(expect: expect))
    let results = experiment.runs.map { run -> RunResult? in
      guard let status = status(run) else { return nil }
      let value = accuracy?(run) ?? defaultAccuracy(run)
      return result(run, status: status, accuracy: value)
    }
    let manifest = Manifest(experiment: experiment).recording(results)
    return ExpectationCheck(ResultFiles(path: "folder", manifest: manifest, results: results))
  }

  private static func defaultAccuracy(_ run: RunSpec) -> Double {
    let parts = run.id.split(separator: "_")
    let configuration = parts.dropLast().joined(separator: "_")
    let seed = Int(parts.last!.dropFirst("seed-".count))!
    return accuracies[configuration]![seed - 1]
  }

  /// A one-epoch result; a diverged run has a NaN loss and no validation, a failed run no
  /// epochs.
  static func result(_ run: RunSpec, status: RunStatus, accuracy: Double) -> RunResult {
    let validation = Evaluation(loss: 0.2, accuracy: accuracy, rmse: nil, r2: nil)
    let epoch = EpochRecord(
      epoch: 1, step: 10, learningRate: 0.1, trainingLoss: status == .diverged ? .nan : 0.3,
      validation: status == .diverged ? nil : validation, gradientNorm: 1, seconds: 0.25)
    return RunResult(
      index: run.index, id: run.id, configHash: run.configHash, status: status,
      message: status == .failed ? "out of memory" : nil, stoppedEarly: false,
      curve: status == .failed ? [] : [epoch], test: nil, seconds: 0.5, samplesPerSecond: 100)
  }

  /// Writes `tiny.yaml`, 2 learning rates × 2 seeds on iris for 2 epochs, with `expect` as its
  /// `expect:` list, whose first item is on line 15.
  static func write(
    in folder: TemporaryFolder, learningRates: String = "[0.05, 0.2]", expect: String
  ) throws -> String {
    let file = folder.path + "/tiny.yaml"
    try """
    name: tiny
    seed: 5
    data: {source: iris, validation: 0.3}
    model:
      layers:
        - {dense: 8, activation: relu}
        - {dense: 3}
    loss: cross_entropy
    optimizer: {name: sgd, lr: 0.1}
    training: {epochs: 2, batch_size: 16}
    sweep:
      grid: {optimizer.lr: \(learningRates)}
      seeds: [1, 2]
    expect:
    \(expect)
    """.write(toFile: file, atomically: true, encoding: .utf8)
    return file
  }
}
