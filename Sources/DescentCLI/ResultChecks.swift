import ArgumentParser
import Descent

/// `--junit FILE`, shared by run, merge and check.
struct JUnitOption: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Write the expectation checks as JUnit XML to this file, for CI test reports.",
      valueName: "FILE"))
  var junit: String?
}

/// `--baseline DIR` and `--tolerance REL`, shared by run and check.
struct BaselineOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Compare summary.csv and every curve.csv with this results folder (or a folder holding "
        + "it, like --out), timing columns aside; a difference exits with 1.",
      valueName: "DIR"))
  var baseline: String?

  @Option(
    help: ArgumentHelp(
      "With --baseline, let numbers differ by this relative difference; default: identical.",
      valueName: "REL"))
  var tolerance: Double?

  func validate() throws {
    if let tolerance {
      guard baseline != nil else { throw ValidationError("--tolerance needs --baseline") }
      guard tolerance >= 0, tolerance.isFinite else {
        throw ValidationError("--tolerance must be a number >= 0, found \(tolerance)")
      }
    }
  }
}

/// The checks of one command over its results folders: expectations and baselines, printed as
/// they are made and collected for the JUnit file.
struct ResultChecks {
  private(set) var suites: [JUnitReport.Suite] = []
  /// Whether an expectation failed or a baseline differed.
  private(set) var failed = false
  let quiet: Bool

  /// Checks the expectations of the results folder `folder`, printing each failure; a shard's
  /// expectations are skipped with a note.
  ///
  /// - Returns: the experiment's name.
  /// - Throws: the bad-input exit code when the folder cannot be read.
  @discardableResult
  mutating func checkExpectations(in folder: String) throws -> String {
    let files = try readFolder(folder)
    if let shard = files.shard {
      let note = "expectations are checked by descent merge, not on a shard"
      if !quiet && !files.expectations.isEmpty {
        print("\(files.experiment): shard \(shard): \(note)")
      }
      suites.append(JUnitReport.Suite(skipping: files, reason: note))
      return files.experiment
    }
    let check = ExpectationCheck(files)
    suites.append(JUnitReport.Suite(check))
    for failure in check.failures { printError(failure.message) }
    failed = failed || !check.failures.isEmpty
    guard !quiet, !check.outcomes.isEmpty else { return files.experiment }
    let total = check.outcomes.count
    let checks = "expectation check\(total == 1 ? "" : "s")"
    print(
      check.failures.isEmpty
        ? "\(check.experiment): \(total) \(checks) passed"
        : "\(check.experiment): \(check.failures.count) of \(total) \(checks) failed")
    return files.experiment
  }

  /// Compares the results folder `folder` of experiment `name` with a baseline, printing the
  /// differences.
  ///
  /// - Throws: the bad-input exit code when either folder cannot be read.
  mutating func compare(_ folder: String, experiment name: String, with options: BaselineOptions)
    throws
  {
    guard let baseline = options.baseline else { return }
    let comparison: BaselineComparison
    do {
      let base = try BaselineComparison.resultsFolder(baseline, experiment: name)
      comparison = try BaselineComparison(
        folder: folder, baseline: base, tolerance: options.tolerance)
    } catch {
      printError(error)
      throw Exit.badInput
    }
    let tolerance =
      options.tolerance.map { "within a relative difference of \($0)" }
      ?? "identical apart from timing columns"
    let files = "\(comparison.filesCompared) file\(comparison.filesCompared == 1 ? "" : "s")"
    if comparison.matches {
      if !quiet {
        print("\(name): matches the baseline \(comparison.baseline) (\(files), \(tolerance))")
      }
      return
    }
    failed = true
    let count = comparison.differences.count
    printError(
      "\(name): \(count) difference\(count == 1 ? "" : "s") from the baseline "
        + "\(comparison.baseline) (\(files) compared, \(tolerance)):\n"
        + comparison.table(limit: 20).dropLast())
  }

  /// Writes the JUnit file, if asked for.
  ///
  /// - Throws: the cannot-write exit code when the file cannot be written.
  func writeJUnit(_ option: JUnitOption) throws {
    guard let path = option.junit else { return }
    do {
      try JUnitReport(suites: suites).write(to: path)
    } catch {
      printError(error)
      throw Exit.cannotWrite
    }
  }

  private func readFolder(_ folder: String) throws -> ResultFiles {
    do {
      return try ResultFiles(folder: folder)
    } catch {
      printError(error)
      throw Exit.badInput
    }
  }
}
