import DescentEngine

/// `README.md` of a results folder: the headline result, a short ranking, the comparisons and
/// the plots, with links to every table, so that the folder reads as a report on GitHub.
struct ReportIndex {
  var folder: ResultsFolder
  var summary: GroupedSummary
  var comparisons: ComparisonTable
  var plots: [ReportPlots.Plot]
  var targets: [ReportOptions.Target]

  func markdown() -> String {
    let metric = summary.metric
    var text = "# \(folder.name)\n\n"
    if !folder.description.isEmpty { text += folder.description + "\n\n" }
    text += SummaryPage.overview(folder: folder, summary: summary) + " "
    text += "Written by Descent \(folder.descentVersion) from the files in this folder; "
    text += "`descent report` on the folder rebuilds it.\n\n"
    if let best = summary.rows.first, let cell = best.group.summary({ $0.final(metric) }) {
      text += "**Best: \(best.group.label())**, final \(metric.rawValue) "
      text += "\(ReportFormat.meanAndDeviation(cell)) (mean ± std over \(cell.count) "
      text += "run\(cell.count == 1 ? "" : "s")).\n\n"
    }

    text += "## Ranking\n\n"
    text += "By final \(metric.rawValue), \(metric.higherIsBetter ? "higher" : "lower") is better; "
    text += "mean ± standard deviation over seeds. Every measure, timings included: "
    text += "[summary.md](summary.md) ([summary-grouped.csv](summary-grouped.csv)); one row per "
    text += "run: [summary.csv](summary.csv); the runs and their settings: "
    text += "[manifest.json](manifest.json).\n\n"
    text += ranking() + "\n"

    if !comparisons.comparisons.isEmpty {
      text += "## Paired comparisons\n\n" + comparisons.markdown()
      text += "As CSV: [comparison.csv](comparison.csv).\n\n"
    }

    if !plots.isEmpty {
      text += "## Plots\n\n"
      for plot in plots {
        text += "![\(plot.caption)](plots/\(plot.file))\n\n\(plot.caption)\n\n"
      }
    }
    text += "Each run's epochs are in `runs/<id>/curve.csv`, its resolved configuration in "
    text += "`runs/<id>/config.yaml`.\n"
    return text
  }

  /// The ranked configurations with the ranking metric, the final validation loss and accuracy
  /// (or rmse), the best validation loss and the targets.
  private func ranking() -> String {
    let metric = summary.metric
    var headline: [RunMetric] = [.valLoss]
    if folder.classification { headline.append(.valAccuracy) }
    if folder.regression { headline.append(.valRMSE) }
    var names = [metric.rawValue]
    names += headline.filter { folder.validated && $0 != metric }.map(\.rawValue)
    if folder.validated { names.append("best_val_loss") }
    names += targets.map(\.columnName)
    let shown = names.compactMap { name in summary.columns.firstIndex { $0.name == name } }
    let anyLost = summary.rows.contains { $0.group.complete.count < $0.group.runs.count }
    var header = ["rank", "configuration", "runs"]
    if anyLost { header.append("not averaged") }
    header += shown.map { index in
      summary.columns[index].target.map { "epochs to \($0.condition)" }
        ?? summary.columns[index].name
    }
    var text = MarkdownTable.row(header)
    text += MarkdownTable.rule(left: 2, right: header.count - 2)
    for row in summary.rows {
      let group = row.group
      var cells = ["\(row.rank)", group.label(), "\(group.runs.count)"]
      if anyLost {
        var lost: [String] = []
        if group.diverged > 0 { lost.append("\(group.diverged) diverged") }
        if group.failed > 0 { lost.append("\(group.failed) failed") }
        if group.halted > 0 { lost.append("\(group.halted) halted") }
        if group.pending > 0 { lost.append("\(group.pending) pending") }
        cells.append(lost.isEmpty ? "" : lost.joined(separator: ", "))
      }
      for index in shown {
        var cell = summary.columns[index].markdown(row.cells[index])
        if summary.columns[index].target != nil {
          let reached = summary.reached(row, summary.columns[index])
          cell = (reached == 0 ? "not reached" : cell) + " (\(reached)/\(group.complete.count))"
        }
        cells.append(cell)
      }
      text += MarkdownTable.row(cells)
    }
    return text
  }
}
