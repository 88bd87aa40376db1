import Foundation
import Testing

@testable import Descent
@testable import DescentEngine

/// The report built from hand-written results folders with known numbers.
struct ReportTests {
  // MARK: - Grouping, ranking, counting

  @Test func runsThatDifferOnlyBySeedAreGroupedWithSampleMeanAndStd() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep())
    let table = try folder.grouped()
    #expect(table.count == 4)
    let plain = try #require(
      table.first { $0["optimizer.momentum"] == "0.0" && $0["optimizer.lr"] == "0.01" })
    #expect(plain["runs"] == "3")
    #expect(plain["complete"] == "3")
    // Final val_loss 0.5, 0.6, 0.7: mean 0.6, sample standard deviation 0.1.
    try expectNumber(plain["val_loss_mean"], 0.6)
    try expectNumber(plain["val_loss_std"], 0.1)
    try expectNumber(plain["val_accuracy_mean"], 0.4)
    try expectNumber(plain["val_accuracy_std"], 0.1)
    try expectNumber(plain["best_val_loss_mean"], 0.6)
    try expectNumber(plain["best_epoch_mean"], 3)
    try expectNumber(plain["best_epoch_std"], 0)
    // Each run's timing is 1, 2, 3 seconds by seed.
    try expectNumber(plain["seconds_mean"], 2)
    try expectNumber(plain["seconds_std"], 1)
    try expectNumber(plain["samples_per_second_mean"], 2000)
  }

  @Test func configurationsAreRankedLowerLossFirst() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep())
    let ranked = try folder.grouped().map { "\($0["optimizer.momentum"]!)/\($0["optimizer.lr"]!)" }
    #expect(ranked == ["0.9/0.1", "0.9/0.01", "0.0/0.1", "0.0/0.01"])
  }

  @Test func accuracyRanksHigherFirst() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep())
    let options = ReportOptions(metric: .valAccuracy)
    let table = try folder.grouped(options)
    let accuracies = try table.map { try #require(Double($0["val_accuracy_mean"] ?? "")) }
    #expect(accuracies == accuracies.sorted(by: >))
    #expect(table.map(\.["rank"]) == ["1", "2", "3", "4"])
  }

  @Test func divergedRunsAreCountedAndLeftOutOfTheMeans() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep())
    let table = try folder.grouped()
    let row = try #require(
      table.first { $0["optimizer.momentum"] == "0.9" && $0["optimizer.lr"] == "0.1" })
    #expect(row["runs"] == "3")
    #expect(row["complete"] == "2")
    #expect(row["diverged"] == "1")
    #expect(row["failed"] == "0")
    // The complete seeds end at 0.2 and 0.25; the diverged one is not in the mean.
    try expectNumber(row["val_loss_mean"], 0.225)
    try expectNumber(row["val_loss_std"], (0.025 * 0.025 * 2).squareRoot())
    let markdown = try folder.read("summary.md")
    #expect(markdown.contains("| 1 | 0.9 | 0.1 | 3 | 1 | 0 |"))
    #expect(markdown.contains("18 runs") == false)
    #expect(
      markdown.contains("12 runs of 4 configurations, 3 seeds each: 11 complete, 1 diverged."))
  }

  @Test func failedRunsWithoutCurvesAreCountedOnTheirOwn() throws {
    var runs = HandBuiltFolder.momentumSweep()
    runs[0].status = "failed"
    runs[0].valLoss = []
    let folder = try HandBuiltFolder(runs: runs, report: false)
    try FileManager.default.removeItem(atPath: folder.path + "/runs/\(runs[0].id)/curve.csv")
    try Report.write(folder: folder.path)
    let row = try #require(
      try folder.table("summary-grouped.csv").first {
        $0["optimizer.momentum"] == "0.0" && $0["optimizer.lr"] == "0.01"
      })
    #expect(row["runs"] == "3")
    #expect(row["complete"] == "2")
    #expect(row["failed"] == "1")
    try expectNumber(row["val_loss_mean"], 0.65)
    #expect(try folder.read("README.md").contains("| 1 failed |"))
  }

  @Test func completeRunWithoutCurveIsReported() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep(), report: false)
    let curve = folder.path + "/runs/momentum-0.0_lr-0.01_seed-1/curve.csv"
    try FileManager.default.removeItem(atPath: curve)
    #expect {
      try Report.write(folder: folder.path)
    } throws: { error in
      "\(error)" == "\(curve): missing: every complete or diverged run has a curve.csv"
    }
  }

  @Test func epochsToTargetIsTheFirstEpochThatReachesIt() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep())
    let target = try #require(ReportOptions.Target("val_accuracy=0.52"))
    let table = try folder.grouped(ReportOptions(targets: [target]))
    // Accuracy by epoch is 1 − val_loss: seeds of momentum 0.9, lr 0.01 reach 0.52 at epochs
    // 2, 2 and 3; those of momentum 0.0, lr 0.01 never do.
    let fast = try #require(
      table.first { $0["optimizer.momentum"] == "0.9" && $0["optimizer.lr"] == "0.01" })
    try expectNumber(fast["epochs_to_val_accuracy_0.52_mean"], 7.0 / 3)
    #expect(fast["epochs_to_val_accuracy_0.52_reached"] == "3")
    let slow = try #require(
      table.first { $0["optimizer.momentum"] == "0.0" && $0["optimizer.lr"] == "0.01" })
    #expect(slow["epochs_to_val_accuracy_0.52_mean"] == "")
    #expect(slow["epochs_to_val_accuracy_0.52_reached"] == "0")
    let readme = try folder.read("README.md")
    #expect(readme.contains("epochs to val_accuracy ≥ 0.52"))
    #expect(readme.contains("not reached (0/3)"))
  }

  @Test func lossTargetCountsEpochsAtOrBelowIt() {
    let run = HandBuiltFolder.record(valLoss: [0.9, 0.4, 0.19, 0.3])
    #expect(run.epochReaching(ReportOptions.Target(metric: .valLoss, value: 0.2)) == 3)
    #expect(run.epochReaching(ReportOptions.Target(metric: .valLoss, value: 0.4)) == 2)
    #expect(run.epochReaching(ReportOptions.Target(metric: .valLoss, value: 0.1)) == nil)
  }

  @Test func validationLossAreaIsTheTrapezoidOverEpochs() throws {
    // (1 + 0.5) / 2 + (0.5 + 0.25) / 2 = 1.125.
    #expect(HandBuiltFolder.record(valLoss: [1.0, 0.5, 0.25]).validationLossArea == 1.125)
    #expect(HandBuiltFolder.record(valLoss: [1.0]).validationLossArea == nil)
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep())
    let row = try #require(
      try folder.grouped().first {
        $0["optimizer.momentum"] == "0.0" && $0["optimizer.lr"] == "0.01"
      })
    // A curve f + 0.5, f + 0.1, f has area 2f + 0.35: 1.35, 1.55, 1.75.
    try expectNumber(row["val_loss_auc_mean"], 1.55)
    try expectNumber(row["val_loss_auc_std"], 0.2)
  }

  @Test func bestValueAndEpochTakeTheFirstBest() {
    let run = HandBuiltFolder.record(valLoss: [0.9, 0.3, 0.3, 0.5])
    #expect(run.best(.valLoss)?.value == 0.3)
    #expect(run.best(.valLoss)?.epoch == 2)
    #expect(run.final(.valLoss) == 0.5)
  }

  @Test func regressionFoldersReportRMSEAndR2() throws {
    var runs = HandBuiltFolder.momentumSweep()
    for index in runs.indices { runs[index].regression = true }
    let folder = try HandBuiltFolder(runs: runs)
    let header = try folder.read("summary-grouped.csv").split(separator: "\n")[0]
    #expect(header.contains("val_rmse_mean,val_rmse_std,best_val_rmse_mean"))
    #expect(header.contains("val_r2_mean"))
    #expect(!header.contains("accuracy"))
  }

  // MARK: - Paired comparison

  @Test func pairedTTestMatchesScipy() throws {
    // scipy 1.17.1: stats.ttest_rel([0.30, 0.35, 0.46], [0.50, 0.60, 0.70]) gives
    // statistic -15.057034426283483, pvalue 0.004381867715253914, and
    // confidence_interval(0.95) (-0.2957241060772842, -0.16427589392271574).
    let test = try #require(PairedTTest(differences: [0.30 - 0.50, 0.35 - 0.60, 0.46 - 0.70]))
    #expect(test.count == 3)
    #expect(test.degreesOfFreedom == 2)
    #expect(abs(test.meanDifference - -0.23) < 1e-15)
    #expect(abs(test.standardDeviation - 0.026457513110645887) < 1e-15)
    #expect(abs(try #require(test.statistic) - -15.057034426283483) < 1e-11)
    #expect(abs(try #require(test.pValue) - 0.004381867715253914) < 1e-14)
    #expect(abs(test.interval.low - -0.2957241060772842) < 1e-13)
    #expect(abs(test.interval.high - -0.16427589392271574) < 1e-13)
  }

  @Test func pairedTTestNeedsTwoPairs() {
    #expect(PairedTTest(differences: [0.1]) == nil)
    #expect(PairedTTest(differences: []) == nil)
    let constant = PairedTTest(differences: [0.1, 0.1, 0.1])
    #expect(constant?.statistic == nil)
    #expect(constant?.pValue == nil)
  }

  @Test func studentTTailMatchesScipy() {
    // scipy 1.17.1: stats.t.sf(t, df).
    let reference: [(t: Double, df: Double, sf: Double)] = [
      (0.5, 1, 0.35241638234956674), (2.0, 2, 0.09175170953613698),
      (2.0, 5, 0.050969739414929174), (-1.3, 7, 0.8826160823038114),
      (3.5, 10, 0.002863252714942605), (10, 3, 0.0010641995292070751),
      (50, 2, 0.00019988007994404028), (0.001, 4, 0.499625000078125), (0, 3, 0.5),
      (2.5, 30, 0.009057824534033344), (4, 100, 6.0761822150380886e-05),
    ]
    for (t, df, sf) in reference {
      let value = StudentT(degreesOfFreedom: df).survival(t)
      #expect(abs(value - sf) <= 1e-13 * max(1, sf) + 1e-12 * sf, "t = \(t), df = \(df): \(value)")
      #expect(abs(StudentT(degreesOfFreedom: df).cumulative(t) - (1 - sf)) < 1e-13)
    }
  }

  @Test func studentTQuantileMatchesScipy() {
    // scipy 1.17.1: stats.t.ppf(p, df).
    let reference: [(p: Double, df: Double, t: Double)] = [
      (0.975, 1, 12.706204736174694), (0.975, 2, 4.302652729749462),
      (0.975, 4, 2.7764451051977934), (0.975, 10, 2.228138851986274),
      (0.995, 3, 5.840909309733355), (0.95, 20, 1.7247182429207866),
      (0.975, 1000, 1.9623390808264083),
    ]
    for (p, df, t) in reference {
      let value = StudentT(degreesOfFreedom: df).quantile(p)
      #expect(abs(value - t) < 1e-11 * t, "p = \(p), df = \(df): \(value)")
      #expect(abs(StudentT(degreesOfFreedom: df).quantile(1 - p) + t) < 1e-11 * t)
    }
  }

  @Test func regularizedBetaMatchesScipy() {
    // scipy 1.17.1: special.betainc(a, b, x).
    let reference: [(a: Double, b: Double, x: Double, value: Double)] = [
      (0.5, 0.5, 0.3, 0.36901011956554536), (2, 3, 0.4, 0.5247999999999999),
      (10, 0.5, 0.9, 0.15164090963470994), (1, 1, 0.25, 0.25),
    ]
    for (a, b, x, expected) in reference {
      #expect(abs(RegularizedBeta.value(x: x, a: a, b: b) - expected) < 1e-14)
    }
  }

  @Test func armsAreComparedSeedBySeed() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep())
    let rows = try folder.table("comparison.csv").filter { $0["setting"] == "optimizer.momentum" }
    #expect(rows.count == 2)
    let low = try #require(rows.first { $0["fixed"] == "optimizer.lr=0.01" })
    #expect(low["setting"] == "optimizer.momentum")
    #expect(low["baseline"] == "0.0")
    #expect(low["arm"] == "0.9")
    #expect(low["pairs"] == "3")
    #expect(low["df"] == "2")
    try expectNumber(low["mean_difference"], -0.23)
    try expectNumber(low["t"], -15.057034426283483, tolerance: 1e-10)
    try expectNumber(low["p_value"], 0.004381867715253914, tolerance: 1e-13)
    #expect(low["test"] == "paired t-test, two-sided")
    // Seed 3 diverged with momentum 0.9 at lr 0.1: two pairs remain.
    let high = try #require(rows.first { $0["fixed"] == "optimizer.lr=0.1" })
    #expect(high["pairs"] == "2")
    #expect(high["df"] == "1")
    let markdown = try folder.read("summary.md")
    #expect(markdown.contains("### optimizer.momentum"))
    #expect(markdown.contains("Paired t-test on the differences"))
    #expect(
      markdown.contains(
        "| 0.01 | 0.0 | 0.9 | 3 | 0.6000 | 0.3700 | -0.2300 | [-0.2957, -0.1643] | -15.06 (2) | 0.0044 |"
      ))
  }

  @Test func fewerThanTwoPairsGiveNotApplicable() throws {
    let runs = HandBuiltFolder.momentumSweep().filter { $0.seed == 1 }
    let folder = try HandBuiltFolder(runs: runs)
    let rows = try folder.table("comparison.csv")
    // Both settings take two values, so both are compared: momentum at each lr, lr at each
    // momentum.
    #expect(
      rows.map { $0["setting"] } == [
        "optimizer.momentum", "optimizer.momentum", "optimizer.lr", "optimizer.lr",
      ])
    #expect(rows.allSatisfy { $0["pairs"] == "1" && $0["p_value"] == "" && $0["ci_low"] == "" })
    let markdown = try folder.read("summary.md")
    #expect(
      markdown.contains("| 0.01 | 0.0 | 0.9 | 1 | 0.5000 | 0.3000 | -0.2000 | n/a | n/a | n/a |"))
  }

  @Test func noComparisonWhenAskedForNone() throws {
    let folder = try HandBuiltFolder(
      runs: HandBuiltFolder.momentumSweep(), options: ReportOptions(compare: []))
    #expect(try folder.table("comparison.csv").isEmpty)
    #expect(try !folder.read("summary.md").contains("Paired comparisons"))
  }

  // MARK: - Errors

  @Test func folderWithoutManifestIsNotAResultsFolder() throws {
    let folder = try TemporaryFolder()
    #expect {
      try Report.write(folder: folder.path)
    } throws: { error in
      "\(error)" == "\(folder.path): not a results folder: there is no manifest.json (descent run "
        + "writes one, with summary.csv and runs/, in <out>/<experiment name>)"
    }
  }

  @Test func malformedCurveIsReportedWithFileLineAndColumn() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep(), report: false)
    let curve = folder.path + "/runs/momentum-0.0_lr-0.01_seed-2/curve.csv"
    var lines = try String(contentsOfFile: curve, encoding: .utf8).split(separator: "\n").map(
      String.init)
    lines[2] = "2,20,0.01,0.65,abc,0.3,1.0,0.2"
    try (lines.joined(separator: "\n") + "\n").write(
      toFile: curve, atomically: true, encoding: .utf8)
    #expect {
      try Report.write(folder: folder.path)
    } throws: { error in
      "\(error)" == "\(curve):3: val_loss: expected a number, found \"abc\""
    }
  }

  @Test func shortRowInSummaryIsReported() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep(), report: false)
    let summary = folder.path + "/summary.csv"
    try (try String(contentsOfFile: summary, encoding: .utf8) + "12,extra\n")
      .write(toFile: summary, atomically: true, encoding: .utf8)
    #expect {
      try Report.write(folder: folder.path)
    } throws: { error in
      "\(error)" == "\(summary):14: expected 14 fields as in the header, found 2"
    }
  }

  @Test func comparingASettingThatWasNotSweptIsReported() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep(), report: false)
    #expect {
      try Report.write(folder: folder.path, options: ReportOptions(compare: ["optimizer.nesterov"]))
    } throws: { error in
      "\(error)" == "\(folder.path)/manifest.json: optimizer.nesterov: not a swept setting of this "
        + "sweep, so there are no arms to compare; the swept settings are: optimizer.momentum, "
        + "optimizer.lr"
    }
  }

  @Test func metricTheRunsDidNotMeasureIsReported() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep(), report: false)
    #expect {
      try Report.write(folder: folder.path, options: ReportOptions(metric: .valRMSE))
    } throws: { error in
      "\(error)" == "\(folder.path)/manifest.json: val_rmse: the runs did not measure this metric, "
        + "so it cannot be the report's metric; they measured: train_loss, val_loss, val_accuracy"
    }
  }

  @Test func targetTextIsParsed() {
    #expect(
      ReportOptions.Target("val_accuracy=0.95")
        == ReportOptions.Target(metric: .valAccuracy, value: 0.95))
    #expect(
      ReportOptions.Target(" val_loss = 0.2 ") == ReportOptions.Target(metric: .valLoss, value: 0.2)
    )
    #expect(ReportOptions.Target("accuracy=0.95") == nil)
    #expect(ReportOptions.Target("val_loss") == nil)
    #expect(ReportOptions.Target("val_loss=inf") == nil)
  }

  // MARK: - Files

  @Test func csvFieldsMayBeQuoted() throws {
    let table = try CSVTable(text: "a,b\r\n\"x, \"\"y\"\"\",2\n\"multi\nline\",3\n", path: "t.csv")
    #expect(table.header == ["a", "b"])
    #expect(table.rows == [["x, \"y\"", "2"], ["multi\nline", "3"]])
    #expect(table.lines == [2, 3])
    #expect(throws: Diagnostic(file: "t.csv", line: 2, message: "a quoted field is not closed")) {
      try CSVTable(text: "a\n\"open\n", path: "t.csv")
    }
  }

  @Test func numbersReadTheSameEverywhere() {
    #expect(ReportFormat.value(0.96171) == "0.9617")
    #expect(ReportFormat.value(0.0123456) == "0.01235")
    #expect(ReportFormat.value(12.345) == "12.35")
    #expect(ReportFormat.value(48213.4) == "48213")
    #expect(ReportFormat.value(-0.5) == "-0.5000")
    #expect(ReportFormat.value(3.14159e-7) == "3.142e-7")
    #expect(ReportFormat.meanAndDeviation(SampleSummary([0.1, 0.2])) == "0.1500 ± 0.0707")
    #expect(ReportFormat.meanAndDeviation(SampleSummary([2])) == "2.000")
    #expect(ReportFormat.meanAndDeviation(nil) == "–")
    #expect(ReportFormat.pValue(0.004381) == "0.0044")
    #expect(ReportFormat.pValue(0.18) == "0.18")
    #expect(ReportFormat.pValue(0.00001) == "< 0.0001")
  }

  @Test func indexLinksTablesAndEmbedsPlots() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep())
    let readme = try folder.read("README.md")
    for link in [
      "(summary.md)", "(summary-grouped.csv)", "(summary.csv)", "(comparison.csv)",
      "(manifest.json)", "](plots/loss.svg)", "](plots/learning-rate.svg)",
      "](plots/val_loss-vs-optimizer.lr.svg)", "](plots/val_loss-heatmap.svg)",
    ] {
      #expect(readme.contains(link), "README.md does not link \(link)")
    }
    #expect(readme.contains("**Best: optimizer.momentum=0.9, optimizer.lr=0.1**"))
    for plot in ["loss", "learning-rate", "val_loss-vs-optimizer.lr", "val_loss-heatmap"] {
      #expect(FileManager.default.fileExists(atPath: folder.path + "/plots/\(plot).svg"))
    }
  }

  @Test func plotsOfEarlierOptionsAreRemoved() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep())
    try Report.write(folder: folder.path, options: ReportOptions(metric: .valAccuracy))
    let plots = try FileManager.default.contentsOfDirectory(atPath: folder.path + "/plots").sorted()
    #expect(
      plots == [
        "learning-rate.svg", "loss.svg", "val_accuracy-heatmap.svg",
        "val_accuracy-vs-optimizer.lr.svg",
      ])
  }

  @Test func reportIsTheSameBytesEveryTime() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep())
    let first = try folder.reportFiles()
    try Report.write(folder: folder.path)
    #expect(try folder.reportFiles() == first)
  }

  @Test func reportCommandRebuildsWhatRunWrote() throws {
    let out = try TemporaryFolder()
    let file = out.path + "/tiny.yaml"
    try """
    name: tiny
    seed: 3
    data: {source: iris, validation: 0.3}
    model:
      layers:
        - {dense: 6, activation: tanh}
        - {dense: 3}
    loss: cross_entropy
    optimizer: {name: sgd, lr: 0.1}
    training: {epochs: 3, batch_size: 16}
    sweep:
      grid:
        optimizer.momentum: [0.0, 0.9]
      seeds: [1, 2]
    """.write(toFile: file, atomically: true, encoding: .utf8)
    let run = try descent("run", file, "--out", out.path, "--quiet")
    #expect(run.status == 0, "\(run.stderr)")
    let folder = HandBuiltFolder(existing: out.path + "/tiny")
    let written = try folder.reportFiles()
    #expect(
      written.keys.sorted() == [
        "README.md", "comparison.csv", "plots/learning-rate.svg", "plots/loss.svg",
        "plots/val_loss-vs-optimizer.momentum.svg", "summary-grouped.csv", "summary.md",
      ])
    for path in written.keys {
      try FileManager.default.removeItem(atPath: folder.path + "/" + path)
    }
    let report = try descent("report", folder.path)
    #expect(report.status == 0, "\(report.stderr)")
    #expect(report.stdout == "report written to \(folder.path)/README.md\n")
    #expect(try folder.reportFiles() == written)
  }

  @Test func reportCommandReportsBadInputAndUsage() throws {
    let empty = try TemporaryFolder()
    let missing = try descent("report", empty.path)
    #expect(missing.status == 65)
    #expect(missing.stderr.contains("\(empty.path): not a results folder"))
    let usage = try descent("report", empty.path, "--target", "accuracy")
    #expect(usage.status == 64)
    #expect(
      usage.stderr.contains(
        "--target: expected METRIC=VALUE with METRIC one of train_loss, val_loss, val_accuracy, "
          + "val_rmse, val_r2, such as val_accuracy=0.95, found \"accuracy\""))
  }
}

/// Compares a CSV field with a number.
func expectNumber(
  _ field: String?, _ expected: Double, tolerance: Double = 1e-12,
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  let value = try #require(
    field.flatMap(Double.init), "not a number: \(field ?? "nil")", sourceLocation: sourceLocation)
  #expect(
    abs(value - expected) <= tolerance, "\(value) is not \(expected)",
    sourceLocation: sourceLocation)
}

/// A results folder written by hand in a temporary folder: the files `descent run` writes, with
/// numbers chosen so that every statistic can be worked out by hand.
final class HandBuiltFolder {
  struct Run {
    var settings: [(key: String, value: String)]
    var seed: UInt64
    var status = "complete"
    var valLoss: [Double?]
    var learningRate: Double
    var seconds: Double
    var regression = false

    var id: String {
      (settings.map { "\($0.key.split(separator: ".").last!)-\($0.value)" } + ["seed-\(seed)"])
        .joined(separator: "_")
    }
  }

  let path: String
  private let temporary: TemporaryFolder?

  /// Writes `runs` as a results folder and, when `report`, its report with `options`.
  init(runs: [Run], options: ReportOptions = ReportOptions(), report: Bool = true) throws {
    let temporary = try TemporaryFolder()
    self.temporary = temporary
    path = temporary.path + "/fixture"
    try write(runs)
    if report { try Report.write(folder: path, options: options) }
  }

  /// An existing results folder.
  init(existing path: String) {
    self.path = path
    temporary = nil
  }

  /// Momentum 0.0 or 0.9 by learning rate 0.01 or 0.1, seeds 1 to 3; each run's validation loss
  /// is `f + 0.5, f + 0.1, f` over three epochs for a final `f`, its accuracy `1 − loss`, its
  /// training loss `loss − 0.05`. Seed 3 of momentum 0.9 at lr 0.1 diverges in epoch 2.
  static func momentumSweep() -> [Run] {
    let finals: [String: [Double]] = [
      "0.0/0.01": [0.5, 0.6, 0.7], "0.9/0.01": [0.3, 0.35, 0.46],
      "0.0/0.1": [0.4, 0.42, 0.44], "0.9/0.1": [0.2, 0.25, .nan],
    ]
    var runs: [Run] = []
    for momentum in ["0.0", "0.9"] {
      for lr in ["0.01", "0.1"] {
        for seed in 1...3 {
          let final = finals["\(momentum)/\(lr)"]![seed - 1]
          let diverged = final.isNaN
          runs.append(
            Run(
              settings: [("optimizer.momentum", momentum), ("optimizer.lr", lr)],
              seed: UInt64(seed),
              status: diverged ? "diverged" : "complete",
              valLoss: diverged ? [0.6, nil] : [final + 0.5, final + 0.1, final],
              learningRate: Double(lr)!, seconds: Double(seed)))
        }
      }
    }
    return runs
  }

  /// A run record with the given validation losses at epochs 1, 2, …
  static func record(valLoss: [Double]) -> RunRecord {
    RunRecord(
      index: 0, id: "run", settings: [], seed: 1, status: .complete,
      curve: valLoss.enumerated().map { epoch, loss in
        EpochRecord(
          epoch: epoch + 1, step: epoch + 1, learningRate: 0.1, trainingLoss: loss,
          validation: Evaluation(loss: loss, accuracy: 1 - loss), gradientNorm: 1, seconds: 0)
      },
      seconds: 1, samplesPerSecond: 1)
  }

  private func write(_ runs: [Run]) throws {
    let regression = runs.contains { $0.regression }
    let metrics = regression ? ["val_rmse", "val_r2"] : ["val_accuracy"]
    /// The validation metrics of a loss: accuracy `1 − loss`, or rmse `√loss` and r² `1 − loss`.
    func measures(_ loss: Double?) -> [String] {
      regression
        ? [text(loss.map { $0.squareRoot() }), text(loss.map { 1 - $0 })]
        : [text(loss.map { 1 - $0 })]
    }
    let keys = runs.first.map { $0.settings.map(\.key) } ?? []
    var header = ["index", "id"] + keys + ["seed", "status", "epochs", "train_loss", "val_loss"]
    header += metrics + ["best_val_loss", "best_epoch", "seconds", "samples_per_second"]
    var summary = [header.joined(separator: ",")]
    var manifestRuns: [String] = []
    for (index, run) in runs.enumerated() {
      let settings = (run.settings + [("seed", "\(run.seed)")]).map {
        "{\"key\": \"\($0.0)\", \"value\": \"\($0.1)\"}"
      }
      manifestRuns.append(
        "{\"config_hash\": \"0000000000000000\", \"epochs\": \(run.valLoss.count), "
          + "\"id\": \"\(run.id)\", \"index\": \(index), \"seed\": \(run.seed), "
          + "\"settings\": [\(settings.joined(separator: ", "))], \"status\": \"\(run.status)\"}")
      var curve = [
        (["epoch", "step", "lr", "train_loss", "val_loss"] + metrics + ["grad_norm", "seconds"])
          .joined(separator: ",")
      ]
      for (epoch, loss) in run.valLoss.enumerated() {
        var fields = ["\(epoch + 1)", "\((epoch + 1) * 10)", "\(run.learningRate)"]
        fields += [loss.map { "\($0 - 0.05)" } ?? "nan", text(loss)] + measures(loss)
        fields += ["1.0", "\(0.1 * Double(epoch + 1))"]
        curve.append(fields.joined(separator: ","))
      }
      try write(curve.joined(separator: "\n") + "\n", to: "runs/\(run.id)/curve.csv")
      let final = run.valLoss.last ?? nil
      var fields = ["\(index)", run.id] + run.settings.map(\.value)
      fields += ["\(run.seed)", run.status, "\(run.valLoss.count)"]
      fields += [final.map { "\($0 - 0.05)" } ?? "nan", text(final)] + measures(final)
      fields += [text(final), "\(run.valLoss.count)", "\(run.seconds)", "\(run.seconds * 1000)"]
      summary.append(fields.joined(separator: ","))
    }
    try write(
      "{\"descent_version\": \"0.1.0\", \"experiment\": \"fixture\", \"runs\": [\n"
        + manifestRuns.joined(separator: ",\n") + "\n]}\n", to: "manifest.json")
    try write(summary.joined(separator: "\n") + "\n", to: "summary.csv")
    try write("name: fixture\ndescription: A hand-built sweep.\n", to: "experiment.yaml")
  }

  /// A number as Descent's CSV files write it; empty for none.
  private func text(_ value: Double?) -> String {
    value.map { "\($0)" } ?? ""
  }

  private func write(_ text: String, to relative: String) throws {
    let url = URL(fileURLWithPath: path + "/" + relative)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
  }

  func read(_ relative: String) throws -> String {
    try String(contentsOfFile: path + "/" + relative, encoding: .utf8)
  }

  /// The rows of a CSV file of the report as dictionaries keyed by the header.
  func table(_ relative: String) throws -> [[String: String]] {
    let table = try CSVTable(text: read(relative), path: relative)
    return table.rows.map { Dictionary(uniqueKeysWithValues: zip(table.header, $0)) }
  }

  /// The rows of `summary-grouped.csv`, after writing the report with `options` when given.
  func grouped(_ options: ReportOptions? = nil) throws -> [[String: String]] {
    if let options { try Report.write(folder: path, options: options) }
    return try table("summary-grouped.csv")
  }

  /// The files the report writes, by path relative to the folder.
  func reportFiles() throws -> [String: Data] {
    var files: [String: Data] = [:]
    for name in ["README.md", "summary.md", "summary-grouped.csv", "comparison.csv"] {
      files[name] = FileManager.default.contents(atPath: path + "/" + name)
    }
    for name in (try? FileManager.default.contentsOfDirectory(atPath: path + "/plots")) ?? [] {
      files["plots/" + name] = FileManager.default.contents(atPath: path + "/plots/" + name)
    }
    return files
  }
}
