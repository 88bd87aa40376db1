/// `summary.md`: the configurations ranked with every measure, the paired comparisons, and
/// every run.
struct SummaryPage {
  var folder: ResultsFolder
  var summary: GroupedSummary
  var comparisons: ComparisonTable

  func markdown() -> String {
    var text = "# \(folder.name)\n\n"
    if !folder.description.isEmpty { text += folder.description + "\n\n" }
    text += SummaryPage.overview(folder: folder, summary: summary) + "\n\n"
    text += "## Configurations\n\n"
    text +=
      "Ranked by final \(summary.metric.rawValue) (\(summary.metric.higherIsBetter ? "higher" : "lower") "
    text += "is better), the mean over the complete runs of each configuration. A cell is the "
    text += "mean ± sample standard deviation (n − 1) over the complete runs, the mean alone "
    text += "for a single run; runs that diverged, failed or are pending are counted in their "
    text += "own columns and left out of every mean.\n\n"
    text += summary.markdown() + "\n"
    text += notes() + "\n"
    text += "The same table as CSV: [summary-grouped.csv](summary-grouped.csv); one row per run: "
    text += "[summary.csv](summary.csv).\n\n"
    if !comparisons.comparisons.isEmpty {
      text += "## Paired comparisons\n\n" + comparisons.markdown()
      text += "As CSV: [comparison.csv](comparison.csv).\n\n"
    }
    text += "## Runs\n\n" + runs()
    return text
  }

  /// `18 runs of 6 configurations, 3 seeds each: 17 complete, 1 diverged.`
  static func overview(folder: ResultsFolder, summary: GroupedSummary) -> String {
    let runs = folder.runs
    let groups = summary.rows.map(\.group)
    var text = "\(runs.count) run\(runs.count == 1 ? "" : "s")"
    if groups.count > 1 { text += " of \(groups.count) configurations" }
    let sizes = Set(groups.map(\.runs.count))
    if groups.count > 1, sizes.count == 1, let size = sizes.first, size > 1 {
      text += ", \(size) seeds each"
    }
    var counts: [String] = []
    for (status, name) in [
      (RunStatus?.some(.complete), "complete"), (.diverged, "diverged"),
      (.failed, "failed"), (.halted, "halted"), (nil, "pending"),
    ] {
      let count = runs.filter { $0.status == status }.count
      if count > 0 || name == "complete" { counts.append("\(count) \(name)") }
    }
    return text + ": " + counts.joined(separator: ", ") + "."
  }

  /// What each column means.
  private func notes() -> String {
    var text = "- Metrics are measured after the last epoch trained; `best_` columns give the best "
    text += "value over the epochs.\n"
    text += "- best_epoch: the epoch of the best \(summary.metric.rawValue).\n"
    for column in summary.columns {
      guard let target = column.target else { continue }
      text += "- epochs to \(target.condition): the first epoch at which a run reached it, mean "
      text += "over the runs that did; (reached/complete).\n"
    }
    if folder.validated {
      text += "- val_loss_auc: the area under the validation-loss curve, by the trapezoid rule "
      text += "over epochs from epoch 1 to the last trained; lower means the loss came down "
      text += "sooner and further.\n"
    }
    text += "- seconds: wall time of a run; samples_per_second: training examples per second of "
    text += "wall time. Timings differ from one invocation to the next.\n"
    return text
  }

  /// One row per run, in sweep order.
  private func runs() -> String {
    let keys = folder.sweptKeys
    let metrics = folder.metrics
    var header = ["id"] + keys + ["seed", "status", "epochs"]
    header += metrics.map(\.rawValue)
    if folder.validated { header.append("best_val_loss") }
    var text = MarkdownTable.row(header)
    text += MarkdownTable.rule(left: keys.count + 3, right: header.count - keys.count - 3)
    for run in folder.runs {
      var cells = [run.id] + keys.map { key in run.settings.first { $0.key == key }?.value ?? "" }
      cells += ["\(run.seed)", run.status?.rawValue ?? "pending", "\(run.curve.count)"]
      cells += metrics.map { run.final($0).map(ReportFormat.value) ?? "–" }
      if folder.validated {
        cells.append(run.best(.valLoss).map { ReportFormat.value($0.value) } ?? "–")
      }
      text += MarkdownTable.row(cells)
    }
    return text
  }
}
