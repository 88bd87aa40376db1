import Foundation

/// Writes a study's report: `study.md` with the chosen settings, the tuning and rung tables,
/// the confirmation, the paired comparisons, the time to the target and the budgets, and two
/// figures, the metric against the first tuned setting and the expected best score against the
/// tuning budget.
struct StudyReport {
  let summary: StudySummary

  static let sensitivityFile = "study-sensitivity.svg"
  static let expectedBestFile = "study-expected-best.svg"

  /// The report's files, relative to the results folder: `study.md` and its plots.
  func files() -> [(path: String, contents: String)] {
    var files: [(path: String, contents: String)] = []
    if let svg = sensitivity() { files.append(("plots/" + Self.sensitivityFile, svg)) }
    if let svg = expectedBest() { files.append(("plots/" + Self.expectedBestFile, svg)) }
    let figures = files.map { String($0.path.dropFirst("plots/".count)) }
    return [("study.md", markdown(figures: figures))] + files
  }

  /// The report of the study recorded in `folder`'s `study.json`, if it has one.
  static func recorded(in folder: String) throws -> StudyReport? {
    let path = ResultsFolder.join(folder, StudySummary.fileName)
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    do {
      return StudyReport(summary: try JSONDecoder().decode(StudySummary.self, from: data))
    } catch {
      throw Diagnostic(file: path, message: "not a study record of this version: \(error)")
    }
  }

  func markdown(figures: [String] = []) -> String {
    let summary = self.summary
    let metric = summary.metric
    let arms = summary.arms
    let list = { (seeds: [UInt64]) in seeds.map(String.init).joined(separator: ", ") }
    var text = "# \(summary.name): study\n\n"
    text +=
      "Arms: \(arms.joined(separator: ", ")); baseline \(arms[summary.baseline]). Each arm tunes "
      + "\(summary.candidatesPerArm) candidate\(summary.candidatesPerArm == 1 ? "" : "s") on tuning "
      + "seeds \(list(summary.tuningSeeds)) for \(summary.epochs) epochs"
      + (summary.eta.map {
        ", successive halving with eta \($0) at epochs "
          + summary.rungEpochs.map(String.init).joined(separator: ", ")
      } ?? "")
      + "; the choice is made on \(metric) (validation data). The chosen settings are rerun on "
      + "seeds \(list(summary.confirmationSeeds)).\n\n"
    if !summary.scoredOnTest {
      text +=
        "**The data has no test set: confirmation is scored on the validation data the choice was "
        + "made on, which is optimistic.**\n\n"
    }
    for note in summary.notes { text += "**Warning:** \(note).\n\n" }

    text += "## Chosen settings\n\n"
    text += MarkdownTable.row(["arm", "chosen", "tuning \(metric)"])
    text += MarkdownTable.rule(left: 2, right: 1)
    for confirmation in summary.confirmations {
      text += MarkdownTable.row([
        confirmation.arm, confirmation.chosen,
        confirmation.tuningValue.map(ReportFormat.value) ?? "–",
      ])
    }

    text += "\n## Confirmation on fresh seeds\n\n"
    text += MarkdownTable.row(["arm", summary.confirmationMetric + " (mean ± std)", "runs"])
    text += MarkdownTable.rule(left: 1, right: 2)
    for confirmation in summary.confirmations {
      text += MarkdownTable.row([
        confirmation.arm, ReportFormat.meanAndDeviation(confirmation.summary),
        "\(confirmation.values.count) of \(summary.confirmationSeeds.count)",
      ])
    }

    text += "\n## Against the baseline, seed by seed\n\n"
    let confidence = 0.95
    text += MarkdownTable.row([
      "arm", "baseline", "mean difference", "\(ReportFormat.percent(confidence))% interval", "p",
      "pairs",
    ])
    text += MarkdownTable.rule(left: 2, right: 4)
    for comparison in summary.comparisons(confidence: confidence) {
      let interval = comparison.test.map {
        "[\(ReportFormat.value($0.interval.low)), \(ReportFormat.value($0.interval.high))]"
      }
      text += MarkdownTable.row([
        comparison.arm, arms[summary.baseline], comparison.mean.map(ReportFormat.value) ?? "–",
        interval ?? "–", comparison.test?.pValue.map(ReportFormat.pValue) ?? "–",
        "\(comparison.pairs)",
      ])
    }
    text +=
      "\nDifferences are arm minus baseline in \(summary.confirmationMetric), on the confirmation "
      + "seeds both completed (Student's paired t-test).\n"

    if let target = summary.target {
      text += "\n## Time to \(target)\n\n"
      text += MarkdownTable.row(["arm", "reached", "epochs (mean)", "seconds (mean)"])
      text += MarkdownTable.rule(left: 1, right: 3)
      for (arm, times) in zip(arms, summary.timesToTarget) {
        let reached = times.compactMap { $0 }
        text += MarkdownTable.row([
          arm, "\(reached.count) of \(times.count)",
          SampleSummary(reached.map { Double($0.epoch) }).map { ReportFormat.value($0.mean) } ?? "–",
          SampleSummary(reached.map(\.seconds)).map { ReportFormat.value($0.mean) } ?? "–",
        ])
      }
    }

    text += "\n## Tuning\n\n"
    text += MarkdownTable.row([
      "arm", "candidate", "origin", "epochs", "\(metric) (mean over tuning seeds)",
    ])
    text += MarkdownTable.rule(left: 3, right: 2)
    for candidate in summary.candidates {
      text += MarkdownTable.row([
        candidate.arm, candidate.label, candidate.origin, "\(candidate.epochs)",
        candidate.score.map(ReportFormat.value) ?? "–",
      ])
    }

    if summary.rungs.count > 1 {
      text += "\n## Rungs of successive halving\n\n"
      text += MarkdownTable.row(["rung", "epochs", "arm", "candidate", metric, "decision"])
      text += "| ---: | ---: | --- | --- | ---: | --- |\n"
      for (index, rung) in summary.rungs.enumerated() {
        let last = index == summary.rungs.count - 1
        for entry in rung.entries {
          text += MarkdownTable.row([
            "\(index + 1)", "\(rung.epochs)", entry.arm, entry.candidate,
            entry.value.map(ReportFormat.value) ?? "–",
            last ? "complete" : entry.continues ? "goes on" : "halted",
          ])
        }
      }
    }

    text += "\n## Budgets\n\n"
    text += MarkdownTable.row(["arm", "tuning runs", "epochs trained", "extra trials"])
    text += MarkdownTable.rule(left: 1, right: 3)
    for budget in summary.budgets {
      text += MarkdownTable.row([
        budget.arm, "\(budget.trials)", "\(budget.epochs)", "\(budget.extra)",
      ])
    }
    let equal =
      Set(summary.budgets.map(\.trials)).count == 1 && Set(summary.budgets.map(\.epochs)).count == 1
    text +=
      equal
      ? "\nEvery arm spent the same budget.\n"
      : "\n**The arms spent different budgets** (a run stopped early or diverged, or an arm had no value left to refine).\n"
    if !figures.isEmpty {
      text += "\n## Figures\n\n"
      for figure in figures { text += "![\(figure)](plots/\(figure))\n" }
    }
    return text
  }

  /// The final metric against the first tuned numeric setting, a panel per arm on shared axes,
  /// the band the lowest to highest tuning seed.
  func sensitivity() -> String? {
    guard let key = summary.sensitivityKey else { return nil }
    var series: [LineChart.Series] = []
    var early: [LineChart.Series?] = []
    var xs: [Double] = []
    var ys: [Double] = []
    let firstRung = summary.rungEpochs.count > 1 ? summary.rungEpochs.first : nil
    for (index, arm) in summary.arms.enumerated() {
      // With halving, every candidate's value at the first rung, dashed, under the final line.
      let rung = summary.candidates.filter { $0.arm == arm }
        .compactMap { candidate in candidate.x.flatMap { x in candidate.firstRung.map { (x: x, y: $0) } } }
        .sorted { $0.x < $1.x }
      xs += rung.map(\.x)
      ys += rung.map(\.y)
      early.append(
        firstRung.map { epochs in
          LineChart.Series(
            label: "after \(epochs) epoch\(epochs == 1 ? "" : "s")",
            style: Palette.Style(colour: Palette.style(index).colour, dash: Palette.dashes[1]), points: rung,
            markers: true)
        })
      let plotted = summary.candidates.filter { $0.arm == arm }
        .compactMap { candidate -> (x: Double, y: Double, low: Double, high: Double)? in
          guard let x = candidate.x, let y = candidate.score else { return nil }
          return (x, y, candidate.values.min() ?? y, candidate.values.max() ?? y)
        }
        .sorted { $0.x < $1.x }
      xs += plotted.map(\.x)
      ys += plotted.flatMap { [$0.low, $0.high] }
      series.append(
        LineChart.Series(
          label: arm, style: Palette.style(index), points: plotted.map { ($0.x, $0.y) },
          band: plotted.map { ($0.x, $0.low, $0.high) }, markers: true))
    }
    guard xs.count >= 2, !ys.isEmpty else { return nil }
    let logarithmic = xs.allSatisfy { $0 > 0 }
    let xAxis: PlotAxis = logarithmic ? .logarithmic(covering: xs) : .linear(covering: xs)
    let figure = LineFigure(
      title: "\(summary.name): \(summary.metric) against \(key), per arm",
      subtitle:
        "Solid: candidates that trained every epoch, mean over tuning seeds, band lowest to highest seed."
        + (firstRung.map { " Dashed: every candidate after \($0) epoch\($0 == 1 ? "" : "s"), the first rung." } ?? ""),
      panels: zip(series, early).map { line, early in
        LineChart(
          title: line.label, xLabel: key + (logarithmic ? " (log scale)" : ""),
          yLabel: summary.metric, xAxis: xAxis, yAxis: .linear(covering: ys),
          series: [line] + (early.map { [$0] } ?? []))
      },
      legend: series.map { .init(label: $0.label, style: $0.style, band: true, marker: true) },
      width: series.count > 1 ? 960 : 720)
    return figure.svg()
  }

  /// Expected best validation score against the number of candidates tried (Dodge et al.).
  func expectedBest() -> String? {
    var series: [LineChart.Series] = []
    var counts: [Double] = []
    var values: [Double] = []
    for (index, arm) in summary.arms.enumerated() {
      let curve = summary.expectedBest(arm: arm)
      guard !curve.isEmpty else { continue }
      let points = curve.enumerated().map { (x: Double($0.offset + 1), y: $0.element) }
      counts += points.map(\.x)
      values += curve
      series.append(
        LineChart.Series(label: arm, style: Palette.style(index), points: points, markers: true))
    }
    guard counts.count >= 2 else { return nil }
    let figure = LineFigure(
      title: "\(summary.name): expected best \(summary.metric) against tuning budget",
      subtitle:
        "The expected best of n candidates drawn from those that trained every epoch (Dodge et al., 2019).",
      panels: [
        LineChart(
          title: "", xLabel: "candidates tried", yLabel: "expected best " + summary.metric,
          xAxis: .linear(covering: [1] + counts, integers: true), yAxis: .linear(covering: values),
          series: series)
      ],
      legend: series.map { .init(label: $0.label, style: $0.style, marker: true) })
    return figure.svg()
  }
}
