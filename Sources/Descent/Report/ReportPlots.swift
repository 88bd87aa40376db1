import DescentEngine
import RealModule

/// The plots of a report, drawn from the runs of a results folder.
struct ReportPlots {
  /// One plot: its file name under `plots/`, what it shows (for the index), and its SVG text.
  struct Plot {
    var file: String
    var caption: String
    var svg: String
  }

  var folder: ResultsFolder
  var groups: [ConfigurationGroup]
  /// The final metric plotted against the swept settings.
  var metric: RunMetric
  /// A setting whose values the loss curves tell apart by dash pattern rather than colour (the
  /// compared setting, say), so that colours stand for the other settings; `nil` for a colour
  /// per configuration.
  var dashedKey: String?

  /// Every plot the folder supports, in the order the index shows them.
  func all() -> [Plot] {
    [lossCurves(), learningRates(), metricAgainstSetting(), heatmap()].compactMap { $0 }
  }

  /// Training and validation loss by epoch: per configuration, the mean over its complete runs
  /// as a line and the lowest to highest run (min–max over seeds) as a band. Both panels share
  /// a y axis, logarithmic when the losses span more than a decade.
  func lossCurves() -> Plot? {
    let metrics: [(RunMetric, String)] =
      [(.trainLoss, "Training loss")] + (folder.validated ? [(.valLoss, "Validation loss")] : [])
    var panelSeries: [[LineChart.Series]] = metrics.map { _ in [] }
    var legend: [LineFigure.LegendEntry] = []
    var plotted: [Double] = []
    let styles = configurationStyles()
    for (group, style) in zip(groups, styles) {
      let complete = group.complete
      var label = group.label(short: true)
      let lost = group.runs.count - complete.count
      if lost > 0 { label += " (\(lost) of \(group.runs.count) not drawn: \(lostReason(group)))" }
      guard !complete.isEmpty else {
        legend.append(.init(label: label, style: Palette.Style(colour: "#999999", dash: "2 2")))
        continue
      }
      for (panel, (metric, _)) in metrics.enumerated() {
        let series = spread(of: metric, over: complete, label: label, style: style)
        plotted += series.points.map(\.y) + series.band.flatMap { [$0.low, $0.high] }
        panelSeries[panel].append(series)
      }
      legend.append(.init(label: label, style: style, band: complete.count > 1))
    }
    guard panelSeries.contains(where: { !$0.isEmpty }) else { return nil }
    // With dash patterns for one setting, a legend row per pattern and a column per colour.
    var legendColumns: Int?
    if styles.contains(where: { $0.dash != nil }) {
      func position(_ entry: LineFigure.LegendEntry) -> (Int, Int) {
        let dash = Palette.dashes.firstIndex(of: entry.style.dash) ?? Palette.dashes.count
        let colour = Palette.colours.firstIndex(of: entry.style.colour) ?? Palette.colours.count
        return (dash, colour)
      }
      legend = legend.enumerated().sorted { a, b in
        position(a.element) != position(b.element)
          ? position(a.element) < position(b.element) : a.offset < b.offset
      }.map(\.element)
      legendColumns = Set(styles.map(\.colour)).count
    }
    let epochs = groups.flatMap(\.complete).flatMap { $0.curve.map { Double($0.epoch) } }
    let xAxis = PlotAxis.linear(covering: [1] + epochs, integers: true)
    let yAxis = PlotAxis.automatic(covering: plotted)
    let scaleNote = yAxis.scale == .logarithmic ? " Log scale." : ""
    let figure = LineFigure(
      title: "\(folder.name): loss by epoch",
      subtitle: "Lines: mean over seeds. Bands: lowest to highest seed (min–max).\(scaleNote)",
      panels: zip(metrics, panelSeries).map { metric, series in
        LineChart(
          title: metric.1, xLabel: "epoch", yLabel: metric.0.rawValue, xAxis: xAxis, yAxis: yAxis,
          series: series)
      },
      legend: legend, width: metrics.count > 1 ? 960 : 720, legendColumns: legendColumns)
    return Plot(
      file: "loss.svg",
      caption: "Training and validation loss by epoch: the mean over seeds of each configuration, "
        + "with the lowest-to-highest seed as a band.", svg: figure.svg())
  }

  /// The learning rate of each distinct schedule by epoch, and the momentum in a panel below
  /// when it changes during a run (a `one_cycle` schedule cycling it). Configurations whose runs
  /// followed the same rates and momenta share a line, named by the settings they have in
  /// common.
  func learningRates() -> Plot? {
    typealias Schedule = (
      rates: [Double], momenta: [Double?], epochs: [Double], members: [ConfigurationGroup]
    )
    var schedules: [Schedule] = []
    for group in groups {
      guard let run = group.complete.first ?? group.runs.first(where: { !$0.curve.isEmpty })
      else { continue }
      let rates = run.curve.map(\.learningRate)
      let momenta = run.curve.map(\.momentum)
      let epochs = run.curve.map { Double($0.epoch) }
      if let index = schedules.firstIndex(where: {
        $0.rates == rates && $0.momenta == momenta && $0.epochs == epochs
      }) {
        schedules[index].members.append(group)
      } else {
        schedules.append((rates, momenta, epochs, [group]))
      }
    }
    guard !schedules.isEmpty else { return nil }
    // A line per configuration keeps the configurations' styles of the loss plot.
    let styles =
      schedules.count == groups.count ? configurationStyles() : schedules.indices.map(Palette.style)
    func series(_ values: (Schedule) -> [Double?]) -> [LineChart.Series] {
      schedules.enumerated().map { index, schedule in
        LineChart.Series(
          label: schedules.count == 1 ? "all runs" : Self.commonLabel(schedule.members),
          style: styles[index],
          points: zip(schedule.epochs, values(schedule)).compactMap { epoch, value in
            value.map { (epoch, $0) }
          })
      }
    }
    let epochAxis = PlotAxis.linear(covering: [1] + schedules.flatMap(\.epochs), integers: true)
    let rateSeries = series { $0.rates }
    var panels = [
      LineChart(
        title: "", xLabel: "epoch", yLabel: "learning rate", xAxis: epochAxis,
        yAxis: .linear(covering: [0] + schedules.flatMap(\.rates)), series: rateSeries)
    ]
    let momentumVaries = schedules.contains { Set($0.momenta.compactMap { $0 }).count > 1 }
    if momentumVaries {
      panels.append(
        LineChart(
          title: "", xLabel: "epoch", yLabel: "momentum", xAxis: epochAxis,
          yAxis: .linear(covering: [0, 1] + schedules.flatMap { $0.momenta.compactMap { $0 } }),
          series: series { $0.momenta }))
    }
    let figure = LineFigure(
      title: "\(folder.name): learning rate\(momentumVaries ? " and momentum" : "") by epoch",
      subtitle: "The learning rate\(momentumVaries ? " and momentum" : "") at the last step of "
        + "each epoch, as recorded in curve.csv.",
      panels: panels, legend: rateSeries.map { .init(label: $0.label, style: $0.style) })
    return Plot(
      file: "learning-rate.svg",
      caption: momentumVaries
        ? "The learning rate and the momentum by epoch, one line per distinct schedule."
        : "The learning rate by epoch, one line per distinct schedule.",
      svg: figure.svg())
  }

  /// The final metric against the numeric swept setting with the most values, one line per
  /// combination of the other settings; points are means over seeds with mean ± standard
  /// deviation as error bars, the lines a few pixels apart so that no bar hides another. Learning rates and settings spanning a decade or more get a
  /// logarithmic x axis.
  func metricAgainstSetting() -> Plot? {
    guard let key = numericKeyToPlot() else { return nil }
    var lines: [(fixed: [Setting], points: [(x: Double, summary: SampleSummary)])] = []
    var lineOf: [[Setting]: Int] = [:]
    for group in groups {
      guard let text = group.value(of: key), let x = Double(text),
        let summary = group.summary({ $0.final(metric) })
      else { continue }
      let fixed = group.settings.filter { $0.key != key }
      if let index = lineOf[fixed] {
        lines[index].points.append((x, summary))
      } else {
        lineOf[fixed] = lines.count
        lines.append((fixed, [(x, summary)]))
      }
    }
    guard lines.contains(where: { $0.points.count >= 2 }) else { return nil }
    var series: [LineChart.Series] = []
    var plotted: [Double] = []
    for (index, line) in lines.enumerated() {
      let points = line.points.sorted { $0.x < $1.x }
      let bars = points.compactMap { point in
        point.summary.standardDeviation.map {
          (x: point.x, low: point.summary.mean - $0, high: point.summary.mean + $0)
        }
      }
      plotted += points.map(\.summary.mean) + bars.flatMap { [$0.low, $0.high] }
      let label =
        line.fixed.isEmpty
        ? "mean ± std over seeds"
        : ConfigurationGroup(settings: line.fixed, runs: []).label(short: true)
      series.append(
        LineChart.Series(
          label: label, style: Palette.style(index), points: points.map { ($0.x, $0.summary.mean) },
          errorBars: bars, markers: true,
          offset: (Double(index) - Double(lines.count - 1) / 2) * 6))
    }
    var marks: [(value: Double, label: String)] = []
    var marked: Set<Double> = []
    for group in groups {
      guard let text = group.value(of: key), let value = Double(text),
        marked.insert(value).inserted
      else { continue }
      marks.append((value, text))
    }
    let values = marks.map(\.value)
    let spansDecade = (values.min() ?? 0) > 0 && (values.max() ?? 0) >= 9.999 * (values.min() ?? 1)
    let logarithmic = (Self.isLearningRate(key) && (values.min() ?? 0) > 0) || spansDecade
    let figure = LineFigure(
      title: "\(folder.name): final \(metric.rawValue) against \(key)",
      subtitle: "Points: mean over the complete runs of each configuration; bars: ± one standard "
        + "deviation over seeds.",
      panels: [
        LineChart(
          title: "", xLabel: key + (logarithmic ? " (log scale)" : ""), yLabel: metric.rawValue,
          xAxis: .marked(marks.sorted { $0.value < $1.value }, logarithmic: logarithmic),
          yAxis: .linear(covering: plotted), series: series)
      ],
      legend: series.map { .init(label: $0.label, style: $0.style, marker: true) })
    return Plot(
      file: "\(metric.rawValue)-vs-\(key).svg",
      caption: "Final \(metric.rawValue) against \(key): mean ± standard deviation over seeds.",
      svg: figure.svg())
  }

  /// With exactly two swept settings on a full grid, the final metric of every combination as
  /// a heatmap: mean over seeds in each cell.
  func heatmap() -> Plot? {
    guard folder.sweptKeys.count == 2 else { return nil }
    let rowKey = folder.sweptKeys[0]
    let columnKey = folder.sweptKeys[1]
    let rows = Self.values(of: rowKey, in: groups)
    let columns = Self.values(of: columnKey, in: groups)
    guard rows.count >= 2, columns.count >= 2, groups.count == rows.count * columns.count else {
      return nil
    }
    var values: [[Double?]] = []
    var text: [[[String]]] = []
    for row in rows {
      var valueRow: [Double?] = []
      var textRow: [[String]] = []
      for column in columns {
        let group = groups.first {
          $0.value(of: rowKey) == row && $0.value(of: columnKey) == column
        }
        let summary = group?.summary { $0.final(metric) }
        valueRow.append(summary?.mean)
        let parts = summary.map(ReportFormat.meanAndDeviationParts)
        var lines = [parts?.mean ?? "no complete run"]
        if let deviation = parts?.deviation { lines.append("± " + deviation) }
        if let group, group.complete.count < group.runs.count {
          lines.append(
            "\(group.runs.count - group.complete.count) of \(group.runs.count) \(lostReason(group))"
          )
        }
        textRow.append(lines)
      }
      values.append(valueRow)
      text.append(textRow)
    }
    let better = metric.higherIsBetter ? "higher" : "lower"
    let figure = HeatmapFigure(
      title: "\(folder.name): final \(metric.rawValue) by \(rowKey) and \(columnKey)",
      subtitle:
        "Each cell: mean ± standard deviation over the complete runs (seeds); \(better) is better.",
      rowKey: rowKey, rowLabels: rows, columnKey: columnKey, columnLabels: columns, values: values,
      cellText: text, valueLabel: metric.rawValue)
    return Plot(
      file: "\(metric.rawValue)-heatmap.svg",
      caption: "Final \(metric.rawValue) for every combination of \(rowKey) and \(columnKey).",
      svg: figure.svg())
  }

  /// The style of each configuration: a colour each; or, with `dashedKey` taking two to four
  /// values beside other swept settings, a colour per combination of the other settings and a
  /// dash pattern per value of `dashedKey` (its first value solid).
  private func configurationStyles() -> [Palette.Style] {
    guard let key = dashedKey, folder.sweptKeys.count >= 2 else {
      return groups.indices.map(Palette.style)
    }
    let dashed = Self.values(of: key, in: groups)
    guard (2...Palette.dashes.count).contains(dashed.count) else {
      return groups.indices.map(Palette.style)
    }
    var others: [[Setting]: Int] = [:]
    return groups.map { group in
      let rest = group.settings.filter { $0.key != key }
      let other = others[rest] ?? others.count
      others[rest] = other
      let colour = Palette.colours[other % Palette.colours.count]
      let dash = Palette.dashes[dashed.firstIndex(of: group.value(of: key) ?? "") ?? 0]
      return Palette.Style(colour: colour, dash: dash)
    }
  }

  /// The spread of `metric` over `runs` at each epoch: the mean as the line, min to max as the
  /// band where at least two runs have the epoch.
  private func spread(
    of metric: RunMetric, over runs: [RunRecord], label: String, style: Palette.Style
  ) -> LineChart.Series {
    let last = runs.map { $0.curve.last?.epoch ?? 0 }.max() ?? 0
    var points: [(x: Double, y: Double)] = []
    var band: [(x: Double, low: Double, high: Double)] = []
    guard last >= 1 else { return LineChart.Series(label: label, style: style, points: []) }
    for epoch in 1...last {
      let values = runs.compactMap { run in
        run.curve.first { $0.epoch == epoch }.flatMap(metric.value(in:))
      }.filter(\.isFinite)
      guard let summary = SampleSummary(values) else { continue }
      points.append((Double(epoch), summary.mean))
      if values.count > 1, let low = values.min(), let high = values.max() {
        band.append((Double(epoch), low, high))
      }
    }
    return LineChart.Series(label: label, style: style, points: points, band: band)
  }

  /// Why some runs of `group` are not in its means: `diverged`, `failed`, or both.
  private func lostReason(_ group: ConfigurationGroup) -> String {
    var reasons: [String] = []
    if group.diverged > 0 { reasons.append("diverged") }
    if group.failed > 0 { reasons.append("failed") }
    if group.halted > 0 { reasons.append("halted") }
    if group.pending > 0 { reasons.append("pending") }
    return reasons.joined(separator: " or ")
  }

  /// The numeric swept setting with the most distinct values (at least two), a learning rate
  /// first among equals, then the first in sweep order.
  private func numericKeyToPlot() -> String? {
    var best: (key: String, count: Int, learningRate: Bool)?
    for key in folder.sweptKeys {
      let values = Self.values(of: key, in: groups)
      guard values.count >= 2, values.allSatisfy({ Double($0) != nil }) else { continue }
      let candidate = (key, values.count, Self.isLearningRate(key))
      if let current = best,
        (current.count, current.learningRate ? 1 : 0) >= (candidate.1, candidate.2 ? 1 : 0)
      {
        continue
      }
      best = candidate
    }
    return best?.key
  }

  /// The distinct values of `key` in sweep order.
  static func values(of key: String, in groups: [ConfigurationGroup]) -> [String] {
    var values: [String] = []
    var seen: Set<String> = []
    for group in groups {
      if let value = group.value(of: key), seen.insert(value).inserted { values.append(value) }
    }
    return values
  }

  static func isLearningRate(_ key: String) -> Bool {
    ["lr", "learning_rate"].contains(Setting.shortName(key))
  }

  /// The settings every group of `members` shares, or their labels when they share none.
  static func commonLabel(_ members: [ConfigurationGroup]) -> String {
    guard let first = members.first else { return "" }
    let common = first.settings.filter { setting in
      members.allSatisfy { $0.settings.contains(setting) }
    }
    if common.isEmpty { return members.map { $0.label(short: true) }.joined(separator: "; ") }
    return ConfigurationGroup(settings: common, runs: []).label(short: true)
  }
}
