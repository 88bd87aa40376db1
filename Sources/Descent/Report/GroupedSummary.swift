import DescentEngine

/// The runs of a results folder grouped by configuration (runs that differ only by seed), each
/// measure summarized over the group's complete runs, configurations ranked by a final metric.
///
/// Runs that diverged, failed or are pending are counted in their own columns and left out of
/// every mean and standard deviation.
struct GroupedSummary {
  /// A measure of one run, summarized over the complete runs of each group.
  struct Column {
    /// The column's name; the CSV has `<name>_mean` and `<name>_std`.
    var name: String
    var measure: (RunRecord) -> Double?
    /// Whether the measure is a timing, which differs between two runs of the same file.
    var timing: Bool
    /// The target this column times, whose CSV also has `<name>_reached`.
    var target: ReportOptions.Target?
    /// Whether the measure counts epochs, shown to one decimal (`19.7 ± 0.6`) in Markdown.
    var epochs: Bool

    init(
      name: String, timing: Bool = false, target: ReportOptions.Target? = nil,
      epochs: Bool = false, measure: @escaping (RunRecord) -> Double?
    ) {
      self.name = name
      self.measure = measure
      self.timing = timing
      self.target = target
      self.epochs = epochs || target != nil
    }

    /// The cell of `summary` in Markdown: `mean ± std`.
    func markdown(_ summary: SampleSummary?) -> String {
      guard epochs, let summary else { return ReportFormat.meanAndDeviation(summary) }
      let mean = ReportFormat.fixed(summary.mean, decimals: 1)
      guard let deviation = summary.standardDeviation else { return mean }
      return mean + " ± " + ReportFormat.fixed(deviation, decimals: 1)
    }
  }

  struct Row {
    /// 1 for the best configuration.
    var rank: Int
    var group: ConfigurationGroup
    /// One summary per column; `nil` where no complete run has a value.
    var cells: [SampleSummary?]
  }

  var sweptKeys: [String]
  /// The final metric the rows are ranked by.
  var metric: RunMetric
  var columns: [Column]
  /// The configurations, best first.
  var rows: [Row]

  init(
    folder: ResultsFolder, groups: [ConfigurationGroup], metric: RunMetric,
    targets: [ReportOptions.Target]
  ) {
    sweptKeys = folder.sweptKeys
    self.metric = metric
    var columns: [Column] = []
    for measured in folder.metrics {
      columns.append(Column(name: measured.rawValue) { $0.final(measured) })
      if measured != .trainLoss {
        columns.append(Column(name: "best_" + measured.rawValue) { $0.best(measured)?.value })
      }
    }
    columns.append(
      Column(name: "best_epoch", epochs: true) { $0.best(metric).map { Double($0.epoch) } })
    for target in targets {
      columns.append(
        Column(name: target.columnName, target: target) {
          $0.epochReaching(target).map(Double.init)
        })
    }
    if folder.validated {
      columns.append(Column(name: "val_loss_auc") { $0.validationLossArea })
    }
    columns.append(Column(name: "seconds", timing: true) { $0.seconds })
    columns.append(Column(name: "samples_per_second", timing: true) { $0.samplesPerSecond })
    self.columns = columns

    let ranked = groups.enumerated().map { position, group in
      (position, group, group.summary { $0.final(metric) }?.mean)
    }.sorted { a, b in
      switch (a.2, b.2) {
      case (let x?, let y?) where x != y: metric.isBetter(x, than: y)
      case (.some, nil): true
      case (nil, .some): false
      default: a.0 < b.0
      }
    }
    rows = ranked.enumerated().map { rank, entry in
      Row(
        rank: rank + 1, group: entry.1,
        cells: columns.map { column in entry.1.summary(column.measure) })
    }
  }

  /// The completed runs of `row` that reached the target of `column`.
  func reached(_ row: Row, _ column: Column) -> Int {
    guard let target = column.target else { return 0 }
    return row.group.complete.filter { $0.epochReaching(target) != nil }.count
  }

  /// `summary-grouped.csv`: `rank`, the swept settings, the counts `runs, complete, diverged,
  /// failed, pending`, then `<column>_mean, <column>_std` for every column (`_reached` too for
  /// targets). Numbers are written as in every Descent CSV; an empty field has no value (a
  /// standard deviation of a single run, a mean of none).
  func csv() -> String {
    var header = ["rank"] + sweptKeys + ["runs", "complete", "diverged", "failed", "pending"]
    for column in columns {
      header += [column.name + "_mean", column.name + "_std"]
      if column.target != nil { header.append(column.name + "_reached") }
    }
    var lines = [header.map(csvField).joined(separator: ",")]
    for row in rows {
      let group = row.group
      var fields = ["\(row.rank)"] + sweptKeys.map { group.value(of: $0) ?? "" }
      fields += [
        group.runs.count, group.complete.count, group.diverged, group.failed, group.pending,
      ]
      .map { "\($0)" }
      for (column, cell) in zip(columns, row.cells) {
        fields += [NumberFormat.csv(cell?.mean), NumberFormat.csv(cell?.standardDeviation)]
        if column.target != nil { fields.append("\(reached(row, column))") }
      }
      lines.append(fields.map(csvField).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The table of `summary.md`: every column, cells `mean ± std`; targets add `(reached/complete)`.
  func markdown() -> String {
    let showPending = rows.contains { $0.group.pending > 0 }
    var header = ["rank"] + sweptKeys + ["runs", "diverged", "failed"]
    if showPending { header.append("pending") }
    header += columns.map { $0.target.map { "epochs to \($0.condition)" } ?? $0.name }
    let numeric = header.count - sweptKeys.count - 1
    var text = MarkdownTable.row(header)
    text += MarkdownTable.rule(left: 1 + sweptKeys.count, right: numeric)
    for row in rows {
      let group = row.group
      var cells = ["\(row.rank)"] + sweptKeys.map { group.value(of: $0) ?? "" }
      cells += ["\(group.runs.count)", "\(group.diverged)", "\(group.failed)"]
      if showPending { cells.append("\(group.pending)") }
      for (column, cell) in zip(columns, row.cells) {
        var text = column.markdown(cell)
        if column.target != nil {
          let reached = reached(row, column)
          text = reached == 0 ? "not reached" : text
          text += " (\(reached)/\(group.complete.count))"
        }
        cells.append(text)
      }
      text += MarkdownTable.row(cells)
    }
    return text
  }
}
