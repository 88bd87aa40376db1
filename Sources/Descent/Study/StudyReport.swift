import Foundation

/// Writes a study's report: `study.md` with the chosen settings, the tuning and rung tables,
/// the confirmation, the paired comparisons, the time to the target and the budgets, and two
/// figures, the metric against the first tuned setting and the expected best score against the
/// tuning budget.
struct StudyReport {
  let outcome: StudyOutcome
  let name: String

  static let sensitivityFile = "study-sensitivity.svg"
  static let expectedBestFile = "study-expected-best.svg"

  func write(to folder: String) throws {
    var figures: [String] = []
    if let svg = sensitivity() {
      try AtomicFile.write(svg, to: folder + "/plots/" + Self.sensitivityFile)
      figures.append(Self.sensitivityFile)
    }
    if let svg = expectedBest() {
      try AtomicFile.write(svg, to: folder + "/plots/" + Self.expectedBestFile)
      figures.append(Self.expectedBestFile)
    }
    try AtomicFile.write(markdown(figures: figures), to: folder + "/study.md")
  }

  func markdown(figures: [String] = []) -> String {
    let study = outcome.study
    let metric = study.metric.rawValue
    let arms = study.arms.map(\.name)
    var text = "# \(name): study\n\n"
    text +=
      "Arms: \(arms.joined(separator: ", ")); baseline \(arms[study.baseline]). Each arm tunes "
      + "\(study.candidatesPerArm) candidate\(study.candidatesPerArm == 1 ? "" : "s") on tuning seeds "
      + "\(study.tuningSeeds.map(String.init).joined(separator: ", ")) for \(outcome.epochs) epochs"
      + (study.halving.map { ", successive halving with eta \($0.eta) at epochs " + study.rungs(epochs: outcome.epochs).map(String.init).joined(separator: ", ") } ?? "")
      + "; the choice is made on \(metric) (validation data). The chosen settings are rerun on "
      + "seeds \(study.confirmationSeeds.map(String.init).joined(separator: ", ")).\n\n"
    if !outcome.scoredOnTest {
      text +=
        "**The data has no test set: confirmation is scored on the validation data the choice was "
        + "made on, which is optimistic.**\n\n"
    }
    for note in outcome.notes { text += "**Warning:** \(note).\n\n" }

    text += "## Chosen settings\n\n"
    text += MarkdownTable.row(["arm", "chosen", "tuning \(metric)"])
    text += MarkdownTable.rule(left: 2, right: 1)
    for confirmation in outcome.confirmations {
      text += MarkdownTable.row([
        confirmation.arm, confirmation.chosen, confirmation.tuningValue.map(ReportFormat.value) ?? "–",
      ])
    }

    text += "\n## Confirmation on fresh seeds\n\n"
    text += MarkdownTable.row(["arm", outcome.confirmationMetric + " (mean ± std)", "runs"])
    text += MarkdownTable.rule(left: 1, right: 2)
    for confirmation in outcome.confirmations {
      text += MarkdownTable.row([
        confirmation.arm, ReportFormat.meanAndDeviation(confirmation.summary),
        "\(confirmation.values.count) of \(study.confirmationSeeds.count)",
      ])
    }

    text += "\n## Against the baseline, seed by seed\n\n"
    let confidence = 0.95
    text += MarkdownTable.row([
      "arm", "baseline", "mean difference", "\(ReportFormat.percent(confidence))% interval", "p", "pairs",
    ])
    text += MarkdownTable.rule(left: 2, right: 4)
    for comparison in outcome.comparisons(confidence: confidence) {
      let interval = comparison.test.map {
        "[\(ReportFormat.value($0.interval.low)), \(ReportFormat.value($0.interval.high))]"
      }
      text += MarkdownTable.row([
        comparison.arm, comparison.baseline, comparison.meanDifference.map(ReportFormat.value) ?? "–",
        interval ?? "–", comparison.test?.pValue.map(ReportFormat.pValue) ?? "–", "\(comparison.pairs)",
      ])
    }
    text +=
      "\nDifferences are arm minus baseline in \(outcome.confirmationMetric), on the confirmation "
      + "seeds both completed (Student's paired t-test).\n"

    if let target = study.target {
      text += "\n## Time to \(target.condition)\n\n"
      text += MarkdownTable.row(["arm", "reached", "epochs (mean)", "seconds (mean)"])
      text += MarkdownTable.rule(left: 1, right: 3)
      for arm in study.arms.indices {
        let times = outcome.timesToTarget(arm: arm)
        let reached = times.compactMap { $0 }
        text += MarkdownTable.row([
          arms[arm], "\(reached.count) of \(times.count)",
          SampleSummary(reached.map { Double($0.epoch) }).map { ReportFormat.value($0.mean) } ?? "–",
          SampleSummary(reached.map(\.seconds)).map { ReportFormat.value($0.mean) } ?? "–",
        ])
      }
    }

    text += "\n## Tuning\n\n"
    text += MarkdownTable.row(["arm", "candidate", "origin", "epochs", "\(metric) (mean over tuning seeds)"])
    text += MarkdownTable.rule(left: 3, right: 2)
    for arm in study.arms.indices {
      for entry in outcome.tuning(arm: arm) {
        text += MarkdownTable.row([
          arms[arm], entry.candidate.label, entry.candidate.origin.rawValue, "\(entry.epochs)",
          entry.score.map(ReportFormat.value) ?? "–",
        ])
      }
    }

    if outcome.rungs.count > 1 {
      text += "\n## Rungs of successive halving\n\n"
      text += MarkdownTable.row(["rung", "epochs", "arm", "candidate", metric, "decision"])
      text += "| ---: | ---: | --- | --- | ---: | --- |\n"
      for (index, rung) in outcome.rungs.enumerated() {
        let last = index == outcome.rungs.count - 1
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
    for (arm, budget) in outcome.budgets.enumerated() {
      text += MarkdownTable.row([
        budget.arm, "\(budget.trials)", "\(budget.epochs)", "\(outcome.spent[arm])",
      ])
    }
    let budgets = outcome.budgets
    let equal = Set(budgets.map(\.trials)).count == 1 && Set(budgets.map(\.epochs)).count == 1
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

  /// The final metric against the first tuned numeric setting, one line per arm, the band the
  /// lowest to highest tuning seed.
  func sensitivity() -> String? {
    let study = outcome.study
    guard let key = study.arms.first?.space.grid.first(where: { $0.values.count >= 2 })?.key
    else { return nil }
    var series: [LineChart.Series] = []
    var xs: [Double] = []
    var ys: [Double] = []
    for arm in study.arms.indices {
      var points: [(x: Double, y: Double)] = []
      var band: [(x: Double, low: Double, high: Double)] = []
      for entry in outcome.tuning(arm: arm) {
        guard let x = entry.candidate.number(key), let y = entry.score else { continue }
        let values = entry.runs.compactMap { outcome.results[$0.id]?.final.flatMap { study.metric.value(in: $0) } }
        points.append((x, y))
        band.append((x, values.min() ?? y, values.max() ?? y))
      }
      points.sort { $0.x < $1.x }
      band.sort { $0.x < $1.x }
      xs += points.map(\.x)
      ys += band.flatMap { [$0.low, $0.high] }
      series.append(
        LineChart.Series(
          label: study.arms[arm].name, style: Palette.style(arm), points: points, band: band,
          markers: true))
    }
    guard xs.count >= 2, !ys.isEmpty else { return nil }
    let logarithmic = xs.allSatisfy { $0 > 0 }
    let xAxis: PlotAxis = logarithmic ? .logarithmic(covering: xs) : .linear(covering: xs)
    // A panel per arm, on the same axes, so that their sensitivities compare at a glance.
    let figure = LineFigure(
      title: "\(name): \(study.metric.rawValue) against \(key), per arm",
      subtitle: "Candidates that trained every epoch. Lines: mean over tuning seeds; bands: lowest to highest seed.",
      panels: series.map { line in
        LineChart(
          title: line.label, xLabel: key + (logarithmic ? " (log scale)" : ""),
          yLabel: study.metric.rawValue, xAxis: xAxis, yAxis: .linear(covering: ys),
          series: [line])
      },
      legend: series.map { .init(label: $0.label, style: $0.style, band: true, marker: true) },
      width: series.count > 1 ? 960 : 720)
    return figure.svg()
  }

  /// Expected best validation score against the number of candidates tried (Dodge et al.).
  func expectedBest() -> String? {
    let study = outcome.study
    var series: [LineChart.Series] = []
    var counts: [Double] = []
    var values: [Double] = []
    for arm in study.arms.indices {
      let curve = outcome.expectedBest(arm: arm)
      guard !curve.isEmpty else { continue }
      let points = curve.enumerated().map { (x: Double($0.offset + 1), y: $0.element) }
      counts += points.map(\.x)
      values += curve
      series.append(
        LineChart.Series(label: study.arms[arm].name, style: Palette.style(arm), points: points, markers: true))
    }
    guard counts.count >= 2 else { return nil }
    let figure = LineFigure(
      title: "\(name): expected best \(study.metric.rawValue) against tuning budget",
      subtitle: "The expected best of n candidates drawn from those that trained every epoch (Dodge et al., 2019).",
      panels: [
        LineChart(
          title: "", xLabel: "candidates tried", yLabel: "expected best " + study.metric.rawValue,
          xAxis: .linear(covering: [1] + counts, integers: true), yAxis: .linear(covering: values),
          series: series)
      ],
      legend: series.map { .init(label: $0.label, style: $0.style, marker: true) })
    return figure.svg()
  }
}
