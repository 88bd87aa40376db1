import ArgumentParser
import Descent
import DescentEngine

struct ReportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Rebuild the summary tables, comparisons and plots of a results folder.",
    discussion: """
      Reads manifest.json, summary.csv and runs/*/curve.csv of the folder, without training, \
      and writes summary.md, summary-grouped.csv, comparison.csv, plots/*.svg and README.md: \
      the same files descent run writes at its end. Options default to the experiment file's \
      report: section, which manifest.json records; each option given replaces the file's.
      """)

  @Argument(help: "A results folder, such as results/sgd-vs-momentum.")
  var folder: String

  @Option(
    help: ArgumentHelp(
      "Compare arms that differ only in this swept setting, seed by seed (paired t-test); "
        + "repeat for several. Default: the file's report.compare, else every swept setting "
        + "with exactly two values.",
      valueName: "KEY"))
  var compare: [String] = []

  @Flag(help: "Compare no arms.")
  var noCompare = false

  @Option(
    help: ArgumentHelp(
      "The final metric to rank and compare by: train_loss, val_loss, val_accuracy, val_rmse "
        + "or val_r2. Default: the file's report.metric, else val_loss.",
      valueName: "NAME"))
  var metric: String?

  @Option(
    name: .customLong("target"),
    help: ArgumentHelp(
      "Report the first epoch at which each run reached a value, such as val_accuracy=0.95; "
        + "repeat for several. Default: the file's report.targets.",
      valueName: "METRIC=VALUE"))
  var targets: [String] = []

  @Option(
    help: ArgumentHelp(
      "The level of the paired confidence intervals, in (0, 1). Default: the file's "
        + "report.confidence, else 0.95.",
      valueName: "LEVEL"))
  var confidence: Double?

  func validate() throws {
    if noCompare && !compare.isEmpty {
      throw ValidationError("--no-compare and --compare cannot be used together")
    }
    if let metric, RunMetric(rawValue: metric) == nil {
      throw ValidationError(
        "--metric: unknown metric \"\(metric)\"; expected one of \(metricNames)")
    }
    for target in targets where ReportOptions.Target(target) == nil {
      throw ValidationError(
        "--target: expected METRIC=VALUE with METRIC one of \(metricNames), such as "
          + "val_accuracy=0.95, found \"\(target)\"")
    }
    if let confidence, !(confidence > 0 && confidence < 1) {
      throw ValidationError("--confidence: expected a number in (0, 1), found \(confidence)")
    }
  }

  func run() throws {
    do {
      try Report.write(folder: folder) { options in
        if let metric { options.metric = RunMetric(rawValue: metric) }
        if noCompare {
          options.compare = []
        } else if !compare.isEmpty {
          options.compare = compare
        }
        if !targets.isEmpty { options.targets = targets.compactMap(ReportOptions.Target.init) }
        if let confidence { options.confidence = confidence }
      }
    } catch {
      printError(error)
      throw error is OutputError ? Exit.cannotWrite : Exit.badInput
    }
    print("report written to \(folder.hasSuffix("/") ? folder : folder + "/")README.md")
  }

  private var metricNames: String {
    RunMetric.allCases.map(\.rawValue).joined(separator: ", ")
  }
}
