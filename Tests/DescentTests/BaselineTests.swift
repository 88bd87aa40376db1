import Foundation
import Testing

@testable import Descent

/// `--baseline`: a results folder compared with a committed one, file by file and cell by cell,
/// timing columns aside.
struct BaselineTests {
  @Test func identicalResultsMatchWhateverTheTimings() throws {
    let baseline = try HandFolder()
    let found = try HandFolder()
    try found.edit("summary.csv", "0.012,10000", "0.5,99")
    try found.edit("runs/lr-0.1/curve.csv", "0.8,1.2,0.012", "0.8,1.2,3.25")
    let comparison = try BaselineComparison(folder: found.path, baseline: baseline.path)
    #expect(comparison.matches)
    #expect(comparison.filesCompared == 3)
  }

  @Test func differencesAreTabulatedWithTheirRelativeDifference() throws {
    let baseline = try HandFolder()
    let found = try HandFolder()
    try found.edit("summary.csv", "0.45,0.85", "0.4500001,0.85")
    try found.edit("runs/lr-0.1/curve.csv", "2,20,0.1,0.5,", "2,20,0.1,0.51,")
    let comparison = try BaselineComparison(folder: found.path, baseline: baseline.path)
    #expect(!comparison.matches)
    #expect(
      comparison.table() == """
        file                   row      column      baseline  found      rel. difference
        summary.csv            lr-0.2   val_loss    0.45      0.4500001  2.22e-07
        runs/lr-0.1/curve.csv  epoch 2  train_loss  0.5       0.51       1.96e-02

        """)
    #expect(
      comparison.table(limit: 1) == """
        file         row     column    baseline  found      rel. difference
        summary.csv  lr-0.2  val_loss  0.45      0.4500001  2.22e-07
        ... and 1 more difference

        """)
  }

  @Test func aToleranceLetsNumbersDifferByThatRelativeAmount() throws {
    let baseline = try HandFolder()
    let found = try HandFolder()
    try found.edit("summary.csv", "0.45,0.85", "0.4500001,0.85")
    try found.edit("runs/lr-0.1/curve.csv", "2,20,0.1,0.5,", "2,20,0.1,0.51,")
    let tight = try BaselineComparison(folder: found.path, baseline: baseline.path, tolerance: 1e-6)
    #expect(tight.differences.map(\.column) == ["train_loss"])
    let loose = try BaselineComparison(folder: found.path, baseline: baseline.path, tolerance: 0.02)
    #expect(loose.matches)
  }

  @Test func textThatDiffersIsADifferenceWhateverTheTolerance() throws {
    let baseline = try HandFolder()
    let found = try HandFolder()
    try found.edit("summary.csv", "1,complete,2,0.4", "1,diverged,2,0.4")
    let comparison = try BaselineComparison(
      folder: found.path, baseline: baseline.path, tolerance: 1)
    #expect(
      comparison.differences == [
        .init(
          file: "summary.csv", row: "lr-0.2", column: "status", baseline: "complete",
          found: "diverged", relativeDifference: nil)
      ])
  }

  @Test func runsMissingOnEitherSideAreDifferences() throws {
    let full = try HandFolder()
    let partial = try HandFolder()
    try partial.edit(
      "summary.csv", "1,lr-0.2,0.2,1,complete,2,0.4,0.45,0.85,0.45,2,0.011,11000\n", "")
    try FileManager.default.removeItem(atPath: partial.path + "/runs/lr-0.2")
    let missing = try BaselineComparison(folder: partial.path, baseline: full.path)
    #expect(
      missing.table() == """
        file                   row     column  baseline  found    rel. difference
        summary.csv            lr-0.2  -       present   missing  -
        runs/lr-0.2/curve.csv  -       -       present   missing  -

        """)
    let extra = try BaselineComparison(folder: full.path, baseline: partial.path)
    #expect(
      extra.table() == """
        file                   row     column  baseline  found    rel. difference
        summary.csv            lr-0.2  -       missing   present  -
        runs/lr-0.2/curve.csv  -       -       missing   present  -

        """)
  }

  @Test func aColumnOnOneSideOnlyIsADifference() throws {
    let baseline = try HandFolder()
    let found = try HandFolder()
    try found.edit("runs/lr-0.1/curve.csv", ",grad_norm,", ",gradient_norm,")
    let comparison = try BaselineComparison(folder: found.path, baseline: baseline.path)
    #expect(
      comparison.differences.map { "\($0.column): \($0.baseline) \($0.found)" } == [
        "grad_norm: present missing", "gradient_norm: missing present",
      ])
  }

  @Test func theBaselineIsAResultsFolderOrTheFolderHoldingIt() throws {
    let folder = try HandFolder()
    #expect(try BaselineComparison.resultsFolder(folder.path, experiment: "hand") == folder.path)
    let parent = URL(fileURLWithPath: folder.path).deletingLastPathComponent().path
    let name = URL(fileURLWithPath: folder.path).lastPathComponent
    #expect(
      try BaselineComparison.resultsFolder(parent, experiment: name) == parent + "/" + name)
    #expect(throws: Diagnostic.self) {
      try BaselineComparison.resultsFolder(parent, experiment: "elsewhere")
    }
  }

  // MARK: The command line

  @Test func aRepeatRunMatchesItsBaselineAndAChangedOneDoesNot() throws {
    let folder = try TemporaryFolder()
    let file = try ExpectationSweep.write(in: folder, expect: "  - {status: complete}")
    let baseline = folder.path + "/baseline"
    #expect(try descent("run", file, "--out", baseline, "--quiet").status == 0)

    let again = try descent(
      "run", file, "--out", folder.path + "/again", "--baseline", baseline, "--jobs", "1")
    #expect(again.status == 0, "\(again.stderr)")
    #expect(
      again.stdout.contains(
        "tiny: matches the baseline \(baseline)/tiny (5 files, identical apart from timing columns)"
      ))

    let curve = baseline + "/tiny/runs/lr-0.2_seed-1/curve.csv"
    var lines = try String(contentsOfFile: curve, encoding: .utf8).split(separator: "\n")
    var fields = lines[2].split(separator: ",", omittingEmptySubsequences: false)
    let trainLoss = String(fields[4])  // epoch, step, lr, momentum, train_loss
    fields[4] = "12.5"
    lines[2] = fields.joined(separator: ",")[...]
    try (lines.joined(separator: "\n") + "\n").write(
      toFile: curve, atomically: true, encoding: .utf8)

    let changed = try descent("check", folder.path + "/again/tiny", "--baseline", baseline)
    #expect(changed.status == 1)
    let relative = String(format: "%.2e", abs(Double(trainLoss)! - 12.5) / 12.5)
    #expect(
      changed.stderr.hasPrefix(
        "tiny: 1 difference from the baseline \(baseline)/tiny (5 files compared, identical apart "
          + "from timing columns):\n"))
    let table = changed.stderr.split(separator: "\n").dropFirst().map {
      $0.split(separator: " ").joined(separator: " ")
    }
    #expect(
      table == [
        "file row column baseline found rel. difference",
        "runs/lr-0.2_seed-1/curve.csv epoch 2 train_loss 12.5 \(trainLoss) \(relative)",
      ])

    let tolerated = try descent(
      "check", folder.path + "/again/tiny", "--baseline", baseline, "--tolerance", "1")
    #expect(tolerated.status == 0)
    #expect(
      tolerated.stdout.contains(
        "tiny: matches the baseline \(baseline)/tiny (5 files, within a relative difference of 1.0)"
      ))
  }

  @Test func baselineUsageErrorsExitWith64() throws {
    let tolerance = try descent("check", "results/x", "--tolerance", "0.1")
    #expect(tolerance.status == 64)
    #expect(tolerance.stderr.contains("Error: --tolerance needs --baseline"))
    let negative = try descent("check", "results/x", "--baseline", "b", "--tolerance=-1")
    #expect(negative.status == 64)
    #expect(negative.stderr.contains("Error: --tolerance must be a number >= 0, found -1.0"))
    let shard = try descent(
      "run", Repository.experiment("iris"), "--shard", "1/2", "--baseline", "results")
    #expect(shard.status == 64)
    #expect(
      shard.stderr.contains(
        "Error: --baseline compares a whole sweep, not a shard; merge the shards, then run "
          + "descent check DIR --baseline BASE"))
  }

  @Test func aMissingBaselineIsBadInput() throws {
    let folder = try TemporaryFolder()
    let file = try ExpectationSweep.write(in: folder, expect: "  - {status: complete}")
    let result = try descent(
      "run", file, "--out", folder.path, "--quiet", "--baseline", folder.path + "/none")
    #expect(result.status == 65)
    #expect(
      result.stderr
        == "\(folder.path)/none: no baseline for tiny: neither \(folder.path)/none nor "
        + "\(folder.path)/none/tiny is a results folder (a folder with manifest.json, summary.csv "
        + "and runs/)\n")
  }
}

/// A results folder written by hand: two runs of two epochs.
final class HandFolder {
  let path: String

  init() throws {
    path = NSTemporaryDirectory() + "descent-baseline-" + UUID().uuidString
    try write(
      "manifest.json",
      """
      {"descent_version": "0.1.0", "experiment": "hand", "runs": [
        {"config_hash": "a", "id": "lr-0.1", "index": 0, "seed": 1, "status": "complete",
         "settings": [{"key": "optimizer.lr", "value": "0.1"}]},
        {"config_hash": "b", "id": "lr-0.2", "index": 1, "seed": 1, "status": "complete",
         "settings": [{"key": "optimizer.lr", "value": "0.2"}]}]}
      """)
    try write(
      "summary.csv",
      """
      index,id,optimizer.lr,seed,status,epochs,train_loss,val_loss,val_accuracy,best_val_loss,best_epoch,seconds,samples_per_second
      0,lr-0.1,0.1,1,complete,2,0.5,0.6,0.8,0.6,2,0.012,10000
      1,lr-0.2,0.2,1,complete,2,0.4,0.45,0.85,0.45,2,0.011,11000

      """)
    for (run, lr) in [("lr-0.1", "0.1"), ("lr-0.2", "0.2")] {
      try write(
        "runs/\(run)/curve.csv",
        """
        epoch,step,lr,train_loss,val_loss,val_accuracy,grad_norm,seconds
        1,10,\(lr),0.9,0.8,0.6,1.5,0.006
        2,20,\(lr),0.5,0.6,0.8,1.2,0.012

        """)
    }
  }

  deinit {
    try? FileManager.default.removeItem(atPath: path)
  }

  func write(_ file: String, _ text: String) throws {
    let url = URL(fileURLWithPath: path + "/" + file)
    try FileManager.default.createDirectory(
      at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try text.write(to: url, atomically: true, encoding: .utf8)
  }

  /// Replaces the first `old` in `file` with `new`.
  func edit(_ file: String, _ old: String, _ new: String) throws {
    let text = try String(contentsOfFile: path + "/" + file, encoding: .utf8)
    let range = try #require(text.range(of: old), "\(old) is not in \(file)")
    try write(file, text.replacingCharacters(in: range, with: new))
  }
}
