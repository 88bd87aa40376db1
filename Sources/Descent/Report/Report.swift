import DescentEngine
import Foundation

/// The report of a results folder: tables, paired comparisons, plots and an index, built from
/// the folder's files alone (`manifest.json`, `summary.csv`, `runs/*/curve.csv`,
/// `experiment.yaml`), so that `descent run` and `descent report` write the same bytes.
///
/// Writes, beside the files it reads:
/// - `summary.md`: configurations ranked, mean ± standard deviation over seeds; comparisons;
///   every run;
/// - `summary-grouped.csv`: the ranked table as CSV;
/// - `comparison.csv`: the paired comparisons (a header alone when there are none);
/// - `plots/*.svg`: loss curves, learning rates, the metric against the swept settings;
/// - `README.md`: an index that links the tables and shows the plots.
public enum Report {
  /// Builds the report of the results folder at `folder` with the options its `manifest.json`
  /// records (the experiment file's `report:` section, or the defaults), as changed by
  /// `override`, and writes its files there.
  ///
  /// Files under `plots/` that this report does not write (left by a report with other options)
  /// are removed.
  ///
  /// - Parameters:
  ///   - override: changes the recorded options, as `descent report`'s command line does; the
  ///     folder's manifest keeps the file's.
  /// - Returns: the paths written, relative to `folder`.
  /// - Throws: `Diagnostic` naming the file when the folder is not a results folder, a file is
  ///   malformed, or the options name a metric or setting the folder does not have;
  ///   `OutputError` when a file cannot be written.
  @discardableResult
  public static func write(
    folder: String, overriding override: (inout ReportOptions) -> Void = { _ in }
  ) throws -> [String] {
    let results = try ResultsFolder(path: folder)
    var options = results.reportOptions
    override(&options)
    return try write(results, options: options)
  }

  /// Builds the report of the results folder at `folder` with `options`, whatever the folder
  /// records, and writes its files there.
  ///
  /// - Returns: the paths written, relative to `folder`.
  /// - Throws: as `write(folder:overriding:)`.
  @discardableResult
  public static func write(folder: String, options: ReportOptions) throws -> [String] {
    try write(ResultsFolder(path: folder), options: options)
  }

  private static func write(_ results: ResultsFolder, options: ReportOptions) throws -> [String] {
    let folder = results.path
    let files = try build(results, options: options)
    for file in files {
      try AtomicFile.write(file.contents, to: ResultsFolder.join(folder, file.path))
    }
    let plots = ResultsFolder.join(folder, "plots")
    let written = Set(files.map(\.path))
    let existing = (try? FileManager.default.contentsOfDirectory(atPath: plots)) ?? []
    for name in existing where name.hasSuffix(".svg") && !written.contains("plots/" + name) {
      try? FileManager.default.removeItem(atPath: ResultsFolder.join(plots, name))
    }
    return files.map(\.path)
  }

  /// The report's files, each as a path relative to the folder and its contents.
  ///
  /// - Throws: as `write(folder:overriding:)`, apart from writing.
  static func build(_ results: ResultsFolder, options: ReportOptions) throws -> [(
    path: String, contents: String
  )] {
    let manifest = ResultsFolder.join(results.path, "manifest.json")
    let metric = options.metric ?? (results.validated ? .valLoss : .trainLoss)
    try check(metric, in: results, file: manifest, option: "metric")
    for target in options.targets {
      try check(target.metric, in: results, file: manifest, option: "target")
    }
    let groups = ConfigurationGroup.grouping(results.runs)
    let compared =
      options.compare
      ?? results.sweptKeys.filter {
        ReportPlots.values(of: $0, in: groups).count == 2
      }
    for key in compared where !results.sweptKeys.contains(key) {
      let swept = results.sweptKeys.isEmpty ? "none" : results.sweptKeys.joined(separator: ", ")
      throw Diagnostic(
        file: manifest, key: key,
        message: "not a swept setting of this sweep, so there are no arms to compare; the swept "
          + "settings are: \(swept)")
    }

    let summary = GroupedSummary(
      folder: results, groups: groups, metric: metric, targets: options.targets)
    let comparisons = ComparisonTable(
      comparisons: compared.flatMap {
        PairedComparison.comparisons(
          of: $0, in: groups, metric: metric, confidence: options.confidence)
      },
      sweptKeys: results.sweptKeys, metric: metric, confidence: options.confidence)
    let plots = ReportPlots(
      folder: results, groups: groups, metric: metric, dashedKey: comparisons.keys.first
    ).all()
    let page = SummaryPage(folder: results, summary: summary, comparisons: comparisons)
    let index = ReportIndex(
      folder: results, summary: summary, comparisons: comparisons, plots: plots,
      targets: options.targets)

    var files: [(path: String, contents: String)] = [
      ("summary-grouped.csv", summary.csv()),
      ("comparison.csv", comparisons.csv()),
      ("summary.md", page.markdown()),
    ]
    files += plots.map { ("plots/" + $0.file, $0.svg) }
    files.append(("README.md", index.markdown()))
    // A study's own report, from the record its runner left.
    if let study = try StudyReport.recorded(in: results.path) { files += study.files() }
    return files
  }

  /// Throws unless the runs of `folder` measured `metric`.
  private static func check(
    _ metric: RunMetric, in folder: ResultsFolder, file: String, option: String
  ) throws {
    let measured = folder.metrics
    guard !measured.contains(metric) else { return }
    let names = measured.map(\.rawValue).joined(separator: ", ")
    throw Diagnostic(
      file: file, key: metric.rawValue,
      message: "the runs did not measure this metric, so it cannot be the report's \(option); "
        + "they measured: \(names)")
  }
}
