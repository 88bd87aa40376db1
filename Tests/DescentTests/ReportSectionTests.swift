import Foundation
import Testing

@testable import Descent

/// The `report:` section of an experiment file: read with its defaults, every problem reported
/// word for word, recorded in `manifest.json`, and used by `descent run`, `descent report` and
/// `descent merge` alike.
struct ReportSectionTests {
  /// The minimal file with a two-by-two grid and two seeds.
  static let sweep =
    ExperimentFile.minimal + """

      sweep:
        grid: {optimizer.momentum: [0.0, 0.9], optimizer.lr: [0.1, 0.2]}
        seeds: [1, 2]
      """

  // MARK: Reading the section

  @Test func withoutASectionTheReportKeepsItsDefaults() throws {
    #expect(try ExperimentFile.load(Self.sweep).report == ReportOptions())
    #expect(try ExperimentFile.load(Self.sweep + "\nreport:").report == ReportOptions())
    #expect(try ExperimentFile.load(Self.sweep + "\nreport: {}").report == ReportOptions())
    let nulls = Self.sweep + "\nreport: {metric: null, compare: null, targets: null}"
    #expect(try ExperimentFile.load(nulls).report == ReportOptions())
  }

  @Test func keysNotGivenTakeTheirDefaults() throws {
    let file = Self.sweep + "\nreport: {targets: [{metric: val_accuracy, value: 0.9}]}"
    let report = try ExperimentFile.load(file).report
    #expect(report.metric == nil)
    #expect(report.compare == nil)
    #expect(report.targets == [ReportOptions.Target(metric: .valAccuracy, value: 0.9)])
    #expect(report.confidence == 0.95)
  }

  @Test func everyKeyIsRead() throws {
    let file =
      Self.sweep + """

        report:
          metric: val_accuracy
          compare: [optimizer.lr, optimizer.momentum]
          targets:
            - {metric: val_accuracy, value: 0.9}
            - {metric: val_loss, value: 0.25}
          confidence: 0.9
        """
    #expect(
      try ExperimentFile.load(file).report
        == ReportOptions(
          metric: .valAccuracy, compare: ["optimizer.lr", "optimizer.momentum"],
          targets: [
            ReportOptions.Target(metric: .valAccuracy, value: 0.9),
            ReportOptions.Target(metric: .valLoss, value: 0.25),
          ], confidence: 0.9))
    let none = try ExperimentFile.load(Self.sweep + "\nreport: {compare: []}").report
    #expect(none.compare == [])
  }

  @Test func overridesSetTheSectionLikeTheFile() throws {
    let experiment = try ExperimentFile.load(
      Self.sweep,
      overrides: ["report.metric=train_loss", "report.targets=[{metric: val_loss, value: 1}]"])
    #expect(experiment.report.metric == .trainLoss)
    #expect(experiment.report.targets == [ReportOptions.Target(metric: .valLoss, value: 1)])
  }

  // MARK: Problems

  @Test func everyProblemOfTheSectionIsReportedWithItsPosition() {
    let file =
      Self.sweep + """

        report:
          metrc: val_loss
          metric: val_rmse
          compare: [optimizer.momentm, seed, optimizer.nesterov, optimizer.lr, optimizer.lr, {lr: 1}]
          targets:
            - {metric: val_accuracy, value: 95}
            - {metric: val_loss, value: -0.5}
            - {metric: val_r2, value: 0.5}
            - {metric: val_loss, value: 0.1}
            - {metric: val_loss, value: 0.10}
            - {metric: val_los, value: 0.1}
            - {value: 0.1}
            - {metric: val_loss}
            - {metric: val_loss, value: abc, epoch: 3}
            - val_accuracy=0.95
          confidence: 95
        """
    #expect(
      ExperimentFile.problems(file) == [
        "x.yaml:12:3: report.metrc: unknown key; did you mean 'metric'?",
        "x.yaml:13:11: report.metric: val_rmse does not apply: the runs train classifiers; expected one of train_loss, val_loss, val_accuracy",
        "x.yaml:14:13: report.compare.0: optimizer.momentm is not a swept setting, so there are no arms to compare; did you mean 'optimizer.momentum'?",
        "x.yaml:14:32: report.compare.1: the seeds pair the runs of the arms, so they cannot be compared on; the swept settings are: optimizer.momentum, optimizer.lr",
        "x.yaml:14:38: report.compare.2: optimizer.nesterov is not a swept setting, so there are no arms to compare; the swept settings are: optimizer.momentum, optimizer.lr",
        "x.yaml:14:72: report.compare.4: optimizer.lr is listed twice",
        "x.yaml:14:86: report.compare.5: expected a swept setting such as optimizer.momentum, found a mapping",
        "x.yaml:16:37: report.targets.0.value: expected an accuracy in [0, 1], found 95",
        "x.yaml:17:33: report.targets.1.value: expected a number >= 0, found -0.5",
        "x.yaml:18:16: report.targets.2.metric: val_r2 does not apply: the runs train classifiers; expected one of train_loss, val_loss, val_accuracy",
        "x.yaml:20:7: report.targets.4: repeats report.targets.3; remove one",
        "x.yaml:21:16: report.targets.5.metric: expected one of train_loss, val_loss, val_accuracy, val_rmse, val_r2, found \"val_los\"; did you mean 'val_loss'?",
        "x.yaml:22:7: report.targets.6.metric: missing required key; expected one of train_loss, val_loss, val_accuracy, val_rmse, val_r2",
        "x.yaml:23:7: report.targets.7.value: missing required key; expected a number",
        "x.yaml:24:33: report.targets.8.value: expected a number >= 0, found \"abc\"",
        "x.yaml:24:38: report.targets.8.epoch: unknown key; expected one of metric, value",
        "x.yaml:25:7: report.targets.9: expected a target such as {metric: val_accuracy, value: 0.95}, found \"val_accuracy=0.95\"",
        "x.yaml:26:15: report.confidence: expected a number in (0, 1), found 95",
      ])
  }

  @Test func sectionsOfTheWrongShapeSayWhatIsExpected() {
    let shapes =
      "report={rank_by: val_loss, compare: optimizer.momentum, "
      + "targets: {metric: val_accuracy, value: 0.9}}"
    #expect(
      ExperimentFile.problems(Self.sweep, overrides: [shapes, "report.confidence=1"]) == [
        "--set \(shapes): report.rank_by: unknown key; expected one of metric, compare, targets, confidence",
        "--set \(shapes): report.compare: expected a list of swept settings such as [optimizer.momentum], found \"optimizer.momentum\"",
        "--set \(shapes): report.targets: expected a list of targets such as {metric: val_accuracy, value: 0.95}, found a mapping",
        "--set report.confidence=1: report.confidence: expected a number in (0, 1), found 1",
      ])
    #expect(
      ExperimentFile.problems(Self.sweep, overrides: ["report=[val_loss]"]) == [
        "--set report=[val_loss]: report: expected a mapping with keys metric, compare, targets, confidence, found a list"
      ])
  }

  @Test func comparingWithoutASweepSaysTheFileSweepsNothing() {
    #expect(
      ExperimentFile.problems(ExperimentFile.minimal + "\nreport: {compare: [optimizer.lr]}") == [
        "x.yaml:8:20: report.compare.0: optimizer.lr is not a swept setting, so there are no arms to compare; the file sweeps nothing"
      ])
  }

  @Test func metricsMustBeOnesTheRunsMeasure() {
    let file =
      Self.sweep + "\nreport: {metric: val_accuracy, targets: [{metric: val_loss, value: 0.2}]}"
    #expect(
      ExperimentFile.problems(file, overrides: ["data.validation=0"]) == [
        "x.yaml:11:18: report.metric: val_accuracy needs a validation set; set data.validation above 0 or use train_loss",
        "x.yaml:11:51: report.targets.0.metric: val_loss needs a validation set; set data.validation above 0 or use train_loss",
      ])
    let regression = """
      data: {source: {synthetic: sine}}
      model: {layers: [{dense: 8, activation: tanh}, {dense: 1}]}
      loss: mse
      optimizer: sgd
      report:
        metric: val_accuracy
        targets: [{metric: val_r2, value: 2}, {metric: val_rmse, value: 0.1}]
      """
    #expect(
      ExperimentFile.problems(regression) == [
        "x.yaml:6:11: report.metric: val_accuracy does not apply: the runs train regression models; expected one of train_loss, val_loss, val_rmse, val_r2",
        "x.yaml:7:37: report.targets.0.value: expected a number <= 1, found 2",
      ])
  }

  // MARK: The manifest

  @Test func theManifestRecordsTheSectionOnlyWhenTheFileHasOne() throws {
    let plain = try ExperimentFile.load(Self.sweep)
    #expect(Manifest(experiment: plain).report == nil)
    #expect(
      !String(decoding: try Manifest(experiment: plain).json(), as: UTF8.self).contains("report"))

    let file =
      Self.sweep
      + "\nreport: {compare: [], targets: [{metric: val_accuracy, value: 0.9}], confidence: 0.8}"
    let experiment = try ExperimentFile.load(file)
    let json = String(decoding: try Manifest(experiment: experiment).json(), as: UTF8.self)
    #expect(
      json.contains(
        """
          "report" : {
            "compare" : [

            ],
            "confidence" : 0.8,
            "targets" : [
              {
                "metric" : "val_accuracy",
                "value" : 0.9
              }
            ]
          },
        """))
    let folder = try TemporaryFolder()
    let path = folder.path + "/manifest.json"
    try json.write(toFile: path, atomically: true, encoding: .utf8)
    #expect(try Manifest.read(path).reportOptions(file: path) == experiment.report)
  }

  @Test func aFolderWithoutTheSectionGetsTheDefaultReport() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep(), report: false)
    try Report.write(folder: folder.path)
    let defaults = try folder.reportFiles()
    try Report.write(folder: folder.path, options: ReportOptions())
    #expect(try folder.reportFiles() == defaults)
  }

  @Test func theRecordedSectionShapesTheReportAndOptionsOverrideIt() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep(), report: false)
    try record(
      [
        "metric": "val_accuracy", "compare": [], "targets": [["metric": "val_loss", "value": 0.5]],
      ],
      in: folder)

    try Report.write(folder: folder.path)
    let recorded = try folder.reportFiles()
    #expect(try folder.table("comparison.csv").isEmpty)
    #expect(
      try folder.read("summary.md").contains("Ranked by final val_accuracy (higher is better)"))
    #expect(try folder.grouped().allSatisfy { $0["epochs_to_val_loss_0.5_mean"] != nil })

    try Report.write(folder: folder.path) { $0.targets = [] }
    #expect(try folder.grouped().allSatisfy { $0["epochs_to_val_loss_0.5_mean"] == nil })
    #expect(try folder.table("comparison.csv").isEmpty)

    try Report.write(folder: folder.path)
    #expect(try folder.reportFiles() == recorded)
  }

  @Test func aRecordedSectionThisVersionCannotUseIsReported() throws {
    let folder = try HandBuiltFolder(runs: HandBuiltFolder.momentumSweep(), report: false)
    try record(["metric": "val_top5", "targets": [], "confidence": 0.9], in: folder)
    #expect {
      try Report.write(folder: folder.path)
    } throws: { error in
      "\(error)" == "\(folder.path)/manifest.json: report.metric: expected one of train_loss, "
        + "val_loss, val_accuracy, val_rmse, val_r2, found \"val_top5\""
    }
    try record(["targets": [], "confidence": 1.5], in: folder)
    #expect {
      try Report.write(folder: folder.path)
    } throws: { error in
      "\(error)" == "\(folder.path)/manifest.json: report.confidence: expected a number in "
        + "(0, 1), found 1.5"
    }
  }

  /// Adds `section` to the folder's manifest as its `report`, with the keys every recorded
  /// section has.
  private func record(_ section: [String: Any], in folder: HandBuiltFolder) throws {
    let path = folder.path + "/manifest.json"
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    var manifest = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    var report: [String: Any] = ["targets": [], "confidence": 0.95]
    report.merge(section) { $1 }
    manifest["report"] = report
    try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: path))
  }

  // MARK: End to end

  @Test func runWritesTheTargetColumnAndReportRebuildsTheSameBytes() throws {
    let out = try TemporaryFolder()
    let file = try tinySweep(in: out)
    let run = try descent("run", file, "--out", out.path, "--quiet")
    #expect(run.status == 0, "\(run.stderr)")
    let folder = out.path + "/tiny"
    let grouped = try String(contentsOfFile: folder + "/summary-grouped.csv", encoding: .utf8)
    let header = try #require(grouped.split(separator: "\n").first).split(separator: ",")
    for column in ["_mean", "_std", "_reached"].map({ "epochs_to_val_accuracy_0.6" + $0 }) {
      #expect(header.contains(Substring(column)), "no \(column) in \(header)")
    }
    #expect(!header.contains("epochs_to_val_loss_0.5_mean"))
    let comparison = try String(contentsOfFile: folder + "/comparison.csv", encoding: .utf8)
    #expect(comparison.contains("\noptimizer.momentum,0.0,0.9,optimizer.lr=0.05,val_accuracy,2,"))
    #expect(!comparison.contains("\noptimizer.lr,"))
    let written = try reportFiles(folder)

    let rebuilt = try descent("report", folder)
    #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
    #expect(try reportFiles(folder) == written)

    // An option replaces the file's for that report only; the manifest keeps the file's.
    let manifest = try Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json"))
    let overridden = try descent("report", folder, "--target", "val_loss=0.5")
    #expect(overridden.status == 0, "\(overridden.stderr)")
    let other = try String(contentsOfFile: folder + "/summary-grouped.csv", encoding: .utf8)
    #expect(other.contains("epochs_to_val_loss_0.5_mean"))
    #expect(!other.contains("epochs_to_val_accuracy_0.6"))
    #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/manifest.json")) == manifest)
    #expect(try descent("report", folder).status == 0)
    #expect(try reportFiles(folder) == written)
  }

  @Test func mergedShardsKeepTheSection() throws {
    let out = try TemporaryFolder()
    let file = try tinySweep(in: out)
    var shards: [String] = []
    for shard in 1...2 {
      let root = out.path + "/shard-\(shard)"
      let run = try descent("run", file, "--out", root, "--shard", "\(shard)/2", "--quiet")
      #expect(run.status == 0, "\(run.stderr)")
      shards.append(root + "/tiny")
    }
    let merge = try descent(["merge"] + shards + ["--out", out.path + "/merged"])
    #expect(merge.status == 0, "\(merge.stderr)")
    let folder = out.path + "/merged/tiny"
    let grouped = try String(contentsOfFile: folder + "/summary-grouped.csv", encoding: .utf8)
    #expect(grouped.contains("epochs_to_val_accuracy_0.6_reached"))
    let written = try reportFiles(folder)
    #expect(try descent("report", folder).status == 0)
    #expect(try reportFiles(folder) == written)
  }

  /// Four short runs on iris whose report compares momentum only and times 60% accuracy.
  private func tinySweep(in folder: TemporaryFolder) throws -> String {
    let file = folder.path + "/tiny.yaml"
    try """
    name: tiny
    data: {source: iris, validation: 0.3}
    model:
      layers:
        - {dense: 8, activation: tanh}
        - {dense: 3}
    loss: cross_entropy
    optimizer: {name: sgd, lr: 0.1}
    training: {epochs: 4, batch_size: 16}
    sweep:
      grid: {optimizer.momentum: [0.0, 0.9], optimizer.lr: [0.05, 0.1]}
      seeds: [1, 2]
    report:
      metric: val_accuracy
      compare: [optimizer.momentum]
      targets: [{metric: val_accuracy, value: 0.6}]
      confidence: 0.9
    """.write(toFile: file, atomically: true, encoding: .utf8)
    return file
  }

  /// The bytes of every file the report writes in `folder`.
  private func reportFiles(_ folder: String) throws -> [String: Data] {
    var names = ["README.md", "summary.md", "summary-grouped.csv", "comparison.csv"]
    names += try FileManager.default.contentsOfDirectory(atPath: folder + "/plots").map {
      "plots/" + $0
    }
    var files: [String: Data] = [:]
    for name in names {
      files[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
    }
    return files
  }
}
