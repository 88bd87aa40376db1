import Foundation
import Testing

@testable import Descent
@testable import DescentEngine

/// Studies: the choice, edge extension and its bound, seeds, budgets, rungs that do not depend
/// on `--jobs` or on a kill, survivors equal to runs trained in one go, and the section's
/// problems word for word.
@Suite struct StudyTests {
  /// SGD against momentum on the digits, small enough to train many times over.
  static func yaml(
    grid: String = "{log2: [-8, -4]}", halving: String = "{eta: 2, min_epochs: 1}",
    extend: Int = 2, epochs: Int = 4, extra: String = ""
  ) -> String {
    """
    name: study
    seed: 1
    data: {source: digits, validation: 0.2}
    model:
      layers:
        - {dense: 16, activation: relu}
        - {dense: 10}
    loss: cross_entropy
    optimizer: {name: sgd, lr: 0.01}
    training: {epochs: \(epochs), batch_size: 64}
    study:
      arms:
        sgd: {optimizer.momentum: 0.0}
        momentum: {optimizer.momentum: 0.9}
      tune:
        space: {grid: {optimizer.lr: \(grid)}}
        seeds: [1, 2]
        metric: val_loss
        extend: \(extend)
        halving: \(halving)
      confirm: {seeds: 3}
    \(extra)
    """
  }

  static func run(
    _ yaml: String, jobs: Int = 2, in folder: ExperimentFile.Folder, stop: StopRequest? = nil
  ) throws -> StudyOutcome {
    let experiment = try ExperimentFile.load(yaml)
    return try StudyRunner(experiment: experiment, outputDirectory: folder.path, jobs: jobs, stop: stop)
      .run()
  }

  /// Each entry of every rung: arm, candidate, value and decision.
  static func rungs(_ outcome: StudyOutcome) -> [String] {
    outcome.rungs.flatMap { rung in
      rung.entries.map {
        "\(rung.epochs) \($0.arm) \($0.candidate) \($0.value.map { "\($0)" } ?? "-") \($0.continues)"
      }
    }
  }

  @Test func choosesTheLearningRateThatTrainingEveryCandidateFinds() throws {
    // Without halving, the study's choice must be the rate whose runs end with the lowest
    // mean validation loss; the same grid as a plain sweep finds it independently.
    let folder = try ExperimentFile.Folder()
    let outcome = try Self.run(Self.yaml(halving: "null", extend: 0), in: folder)
    let sweep = try ExperimentFile.load(
      """
      name: sweep
      seed: 1
      data: {source: digits, validation: 0.2}
      model:
        layers:
          - {dense: 16, activation: relu}
          - {dense: 10}
      loss: cross_entropy
      optimizer: {name: sgd, lr: 0.01}
      training: {epochs: 4, batch_size: 64}
      sweep:
        grid: {optimizer.momentum: [0.0, 0.9], optimizer.lr: [0.00390625, 0.0078125, 0.015625, 0.03125, 0.0625]}
        seeds: [1, 2]
      """)
    let results = try ExperimentRunner(experiment: sweep, outputDirectory: folder.path, jobs: 2)
      .run()
    for (arm, momentum) in [("sgd", "0.0"), ("momentum", "0.9")] {
      var means: [(lr: String, loss: Double)] = []
      for lr in ["0.00390625", "0.0078125", "0.015625", "0.03125", "0.0625"] {
        let losses = zip(sweep.runs, results).filter { run, _ in
          run.settings.contains { $0 == ("optimizer.momentum", momentum) }
            && run.settings.contains { $0 == ("optimizer.lr", lr) }
        }.map { $0.1.final!.validation!.loss }
        #expect(losses.count == 2)
        means.append((lr, losses.reduce(0, +) / 2))
      }
      let best = means.min { $0.loss < $1.loss }!
      let chosen = outcome.confirmations.first { $0.arm == arm }!
      #expect(chosen.chosen == "optimizer.lr=\(best.lr)", "\(arm): \(means)")
      #expect(chosen.tuningValue == best.loss)
    }
  }

  @Test func anEdgeIsExtendedUpToItsBoundAndTheReportWarns() throws {
    // SGD's best rate is the largest of a grid of small rates: the axis is extended up, one
    // step (x2) a round, and after two rounds it is still at the edge.
    let folder = try ExperimentFile.Folder()
    let outcome = try Self.run(Self.yaml(grid: "[0.001, 0.002]", halving: "null"), in: folder)
    let sgd = outcome.tuning(arm: 0)
    #expect(sgd.map(\.candidate.label) == [
      "optimizer.lr=0.001", "optimizer.lr=0.002", "optimizer.lr=0.004", "optimizer.lr=0.008",
    ])
    #expect(sgd.map(\.candidate.origin) == [.space, .space, .extended, .extended])
    #expect(outcome.spent == [2, 2])
    #expect(
      outcome.notes.contains(
        "sgd: the best value is still at the edge of the space after 2 extra trials; the optimum may lie outside it"
      ))
    let report = try String(contentsOfFile: folder.path + "/study/study.md", encoding: .utf8)
    #expect(report.contains("**Warning:** sgd: the best value is still at the edge"))
  }

  @Test func anExtensionOutsideWhatTheKeyAcceptsStopsThereWithAWarning() throws {
    // Momentum 0.9 beats 0.5 at both rates; the next step, 0.9 x 0.9 / 0.5, is not below 1.
    let yaml = Self.yaml()
      .replacingOccurrences(of: "sgd: {optimizer.momentum: 0.0}", with: "slow: {optimizer.lr: 0.005}")
      .replacingOccurrences(of: "momentum: {optimizer.momentum: 0.9}", with: "fast: {optimizer.lr: 0.02}")
      .replacingOccurrences(of: "{grid: {optimizer.lr: {log2: [-8, -4]}}}", with: "{grid: {optimizer.momentum: [0.5, 0.9]}}")
      .replacingOccurrences(of: "halving: {eta: 2, min_epochs: 1}", with: "halving: null")
    let folder = try ExperimentFile.Folder()
    let outcome = try Self.run(yaml, in: folder)
    #expect(outcome.spent == [0, 0])
    #expect(outcome.confirmations.map(\.chosen) == ["optimizer.momentum=0.9", "optimizer.momentum=0.9"])
    #expect(
      outcome.notes == [
        "slow: optimizer.momentum=1.62 is not a valid value; extension stops there",
        "fast: optimizer.momentum=1.62 is not a valid value; extension stops there",
        "slow: the best value is still at the edge of the space after 0 extra trials; the optimum may lie outside it",
        "fast: the best value is still at the edge of the space after 0 extra trials; the optimum may lie outside it",
      ])
  }

  @Test func noArmAtAnEdgeMeansNoExtraTrials() throws {
    // Around each arm's best rate: the largest rate diverges or does worse, the smallest is
    // too slow, so neither arm's best lies at an edge.
    let folder = try ExperimentFile.Folder()
    let outcome = try Self.run(
      Self.yaml(grid: "[0.0001, 0.03, 30.0]", halving: "null"), in: folder)
    #expect(outcome.spent == [0, 0])
    #expect(outcome.notes.isEmpty)
    #expect(outcome.tuning(arm: 0).allSatisfy { $0.candidate.origin == .space })
  }

  @Test func confirmationSeedsAreFreshAndBudgetsAreEqual() throws {
    let folder = try ExperimentFile.Folder()
    let outcome = try Self.run(Self.yaml(), in: folder)
    #expect(outcome.study.tuningSeeds == [1, 2])
    #expect(outcome.study.confirmationSeeds == [3, 4, 5])
    for confirmation in outcome.confirmations {
      #expect(Set(confirmation.values.map(\.seed)).isDisjoint(with: outcome.study.tuningSeeds))
      #expect(confirmation.values.count == 3)
    }
    let budgets = outcome.budgets
    #expect(budgets[0].trials == budgets[1].trials && budgets[0].epochs == budgets[1].epochs)
    // Halving at epochs 1, 2, 4 from 5 candidates: 5 x 1 + 3 x 1 + 2 x 2 epochs a seed, plus
    // the extra trials at every epoch.
    let extra = outcome.spent[0]
    #expect(budgets[0].epochs == 2 * (5 + 3 + 4) + 2 * extra * 4)
  }

  @Test func rungsAreTheSameWhateverTheJobsAndAcrossAKill() throws {
    let one = try ExperimentFile.Folder()
    let two = try ExperimentFile.Folder()
    let killed = try ExperimentFile.Folder()
    let yaml = Self.yaml()
    let straight = Self.rungs(try Self.run(yaml, jobs: 1, in: one))
    #expect(Self.rungs(try Self.run(yaml, jobs: 2, in: two)) == straight)
    #expect(straight.contains { $0.hasSuffix("false") })

    // Stopped once the first rung's runs are paused, then run again.
    let experiment = try ExperimentFile.load(yaml)
    let stop = StopRequest()
    let finished = Locked(0)
    do {
      _ = try StudyRunner(experiment: experiment, outputDirectory: killed.path, jobs: 2, stop: stop)
        .run { event in
          if case .finished = event, finished.withLock({ $0 += 1; return $0 }) == 23 {
            stop.request()
          }
        }
      Issue.record("the study was not interrupted")
    } catch is Interrupted {}
    #expect(Self.rungs(try Self.run(yaml, jobs: 2, in: killed)) == straight)
  }

  @Test func aFreshStudyDecidesAgainFromTheFirstRung() throws {
    // The first invocation, without halving, leaves every run complete; the second halves
    // afresh, and a run it pauses at a rung must not stand on the result.json of the first.
    let folder = try ExperimentFile.Folder()
    let reference = try ExperimentFile.Folder()
    _ = try Self.run(Self.yaml(halving: "null", extend: 0), in: folder)
    let again = try StudyRunner(
      experiment: try ExperimentFile.load(Self.yaml()), outputDirectory: folder.path, jobs: 2,
      fresh: true
    ).run()
    let straight = try Self.run(Self.yaml(), in: reference)
    #expect(Self.rungs(again) == Self.rungs(straight))
    #expect(again.budgets.map(\.epochs) == straight.budgets.map(\.epochs))
  }

  @Test func aRerunWithOtherHalvingDecidesAsAFreshStudyWould() throws {
    // Runs halted by the first invocation's halving go on to the end when the second has none;
    // runs complete from an invocation without halving are cut back to the rung that halts them.
    let halved = Self.yaml()
    let whole = Self.yaml(halving: "null")
    for (first, second) in [(halved, whole), (whole, halved)] {
      let folder = try ExperimentFile.Folder()
      let reference = try ExperimentFile.Folder()
      _ = try Self.run(first, in: folder)
      let again = try Self.run(second, in: folder)
      let fresh = try Self.run(second, in: reference)
      #expect(Self.rungs(again) == Self.rungs(fresh))
      #expect(again.budgets.map(\.epochs) == fresh.budgets.map(\.epochs))
      #expect(again.confirmations.map(\.chosen) == fresh.confirmations.map(\.chosen))
      let record = { (path: String) in
        try String(contentsOfFile: path + "/study/study.json", encoding: .utf8)
      }
      #expect(try record(folder.path) == record(reference.path))
    }
  }

  @Test func aSurvivorEqualsTheSameRunTrainedInOneGo() throws {
    let folder = try ExperimentFile.Folder()
    let outcome = try Self.run(Self.yaml(), in: folder)
    // The survivor of SGD's rungs: trained to epoch 1, then 2, then 4, from its checkpoints.
    let survivor = try #require(
      outcome.tuning(arm: 0).first { $0.candidate.origin == .space && $0.epochs == 4 })
    let run = survivor.runs[0]
    let lr = try #require(survivor.candidate.number("optimizer.lr"))
    let straight = try ExperimentFile.load(
      Self.yaml().replacingOccurrences(of: "name: study", with: "name: straight")
        .components(separatedBy: "study:\n")[0]
        .replacingOccurrences(of: "lr: 0.01}", with: "lr: \(YAMLScalar.format(lr)), momentum: 0.0}")
        .replacingOccurrences(of: "seed: 1\n", with: "seed: 2\n")
        .replacingOccurrences(of: "validation: 0.2}", with: "validation: 0.2, seed: 1}"))
    #expect(straight.runs[0].configHash == run.configHash)
    _ = try ExperimentRunner(experiment: straight, outputDirectory: folder.path, jobs: 1).run()
    func curve(_ path: String) throws -> [String] {
      try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
        $0.split(separator: ",").dropLast().joined(separator: ",")  // without seconds
      }
    }
    let studied = try curve(folder.path + "/study/runs/\(run.id)/curve.csv")
    #expect(studied.count == 5)
    #expect(studied == (try curve(folder.path + "/straight/runs/run/curve.csv")))
  }

  @Test func problemsOfTheSectionAreLocated() {
    #expect(
      ExperimentFile.problems(Self.yaml(extra: "sweep: {seeds: [1, 2]}")) == [
        "x.yaml:22:1: sweep: a study makes its own runs; tune under study.tune.space"
      ])
    #expect(
      ExperimentFile.problems(
        Self.yaml().replacingOccurrences(
          of: "momentum: {optimizer.momentum: 0.9}",
          with: "momentum: {set: {optimizer.momentum: 0.9}, space: {grid: {optimizer.lr: [0.1]}}}"
        )) == [
          "x.yaml:14:5: study.arms.momentum: tunes 1 candidate and sgd 5; every arm gets the same budget",
          "x.yaml:19:13: study.tune.extend: arm momentum has no grid axis of two numbers or more to extend; set extend: 0",
        ])
    #expect(
      ExperimentFile.problems(
        Self.yaml(extra: "").replacingOccurrences(of: "confirm: {seeds: 3}", with: "confirm: {seeds: [4, 2]}")
      ) == ["x.yaml:21:24: study.confirm.seeds.1: seed 2 is a tuning seed; confirmation runs on fresh seeds"])
    #expect(
      ExperimentFile.problems(
        Self.yaml().replacingOccurrences(of: "metric: val_loss", with: "metric: train_loss")) == [
          "x.yaml:18:13: study.tune.metric: expected one of val_loss, val_accuracy, val_rmse, val_r2, found \"train_loss\""
        ])
    #expect(
      ExperimentFile.problems(
        Self.yaml().replacingOccurrences(of: "sgd: {optimizer.momentum: 0.0}", with: "sgd: {training.epochs: 3}")
      ) == [
        "x.yaml:13:11: study.arms.sgd.training.epochs: the study gives every arm the same training.epochs; an arm cannot set it"
      ])
    #expect(
      ExperimentFile.problems(Self.yaml(halving: "{eta: 3, min_epochs: 4}")) == [
        "x.yaml:20:35: study.tune.halving.min_epochs: expected fewer than training.epochs (4), found 4"
      ])
    #expect(
      ExperimentFile.problems(Self.yaml().replacingOccurrences(of: "validation: 0.2", with: "validation: 0")) == [
        "x.yaml:18:13: study.tune.metric: val_loss needs held-out data; set data.validation above 0: settings are chosen on validation data, never on test data"
      ])
  }

  @Test func theBinaryRunsAStudyAndRefusesToShardIt() throws {
    let out = try TemporaryFolder()
    let file = out.path + "/study.yaml"
    try Self.yaml().write(toFile: file, atomically: true, encoding: .utf8)
    let result = try descent("run", file, "--out", out.path)
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.filter { $0.hasPrefix("study: sgd: chose optimizer.lr=") }.count == 1)
    #expect(lines.filter { $0.hasPrefix("study: momentum: chose optimizer.lr=") }.count == 1)
    #expect(lines.contains { $0.hasPrefix("study: momentum − sgd: ") && $0.contains("(paired, p = ") })
    #expect(lines.last == "study: study in \(out.path)/study/study.md")
    for file in ["study.md", "manifest.json", "summary.csv", "plots/study-sensitivity.svg"] {
      #expect(FileManager.default.fileExists(atPath: out.path + "/study/" + file), "\(file)")
    }
    // Every run the study trained is in the manifest: 20 tuning runs, two rounds of extension
    // for both arms on both tuning seeds, 6 confirmations.
    let manifest = try Manifest.read(out.path + "/study/manifest.json")
    #expect(manifest.runs.count == 20 + 2 * 2 * 2 + 6)
    #expect(Set(manifest.runs.map(\.status)) == ["complete", "halted"])

    // descent report rebuilds study.md and its plots from study.json, byte for byte.
    let folder = out.path + "/study/"
    let written = try ["study.md", "plots/study-sensitivity.svg", "plots/study-expected-best.svg"]
      .map { try String(contentsOfFile: folder + $0, encoding: .utf8) }
    for file in ["study.md", "plots/study-sensitivity.svg", "plots/study-expected-best.svg"] {
      try FileManager.default.removeItem(atPath: folder + file)
    }
    #expect(try descent("report", folder).status == 0)
    #expect(
      try ["study.md", "plots/study-sensitivity.svg", "plots/study-expected-best.svg"]
        .map { try String(contentsOfFile: folder + $0, encoding: .utf8) } == written)

    let sharded = try descent("run", file, "--out", out.path, "--shard", "1/2")
    #expect(sharded.status == 64)
    #expect(
      sharded.stderr.contains(
        "study: --shard: a study decides each phase from every result of the one before (rungs, extension, confirmation), so it cannot be split; run it without --shard"
      ))
  }

  @Test func theShippedStudyValidates() throws {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../experiments/fair-sgd-vs-momentum.yaml").standardized.path
    let experiment = try Experiment.load(path: path)
    #expect(experiment.study != nil)
    #expect(experiment.runs.count == 2 * 7 * 2)
  }
}
