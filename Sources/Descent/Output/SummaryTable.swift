/// `summary.csv` and `summary.md`: the runs of a sweep side by side, in sweep order.
struct SummaryTable {
  let experiment: Experiment
  let results: [RunResult]

  private var classification: Bool {
    experiment.runs.contains { $0.configuration.training.loss.isClassification }
  }
  private var regression: Bool {
    experiment.runs.contains { !$0.configuration.training.loss.isClassification }
  }
  private var hasTest: Bool { results.contains { $0.test != nil } }

  /// The swept keys, in the order the sweep lists them.
  private var sweptKeys: [String] {
    var keys: [String] = []
    for run in experiment.runs {
      for (key, _) in run.settings where !keys.contains(key) { keys.append(key) }
    }
    return keys
  }

  private func metricColumns(_ prefix: String) -> [String] {
    ["\(prefix)_loss"] + (classification ? ["\(prefix)_accuracy"] : [])
      + (regression ? ["\(prefix)_rmse", "\(prefix)_r2"] : [])
  }

  private func metricFields(_ evaluation: Evaluation?) -> [String] {
    [NumberFormat.csv(evaluation?.loss)]
      + (classification ? [NumberFormat.csv(evaluation?.accuracy)] : [])
      + (regression ? [NumberFormat.csv(evaluation?.rmse), NumberFormat.csv(evaluation?.r2)] : [])
  }

  /// One row per run. Columns: `index, id`, each swept key, `seed, status, epochs,
  /// train_loss`, the final validation metrics (`val_loss, val_accuracy` or `val_rmse, val_r2`),
  /// `best_val_loss, best_epoch`, test metrics when there is a test set, then the timing columns
  /// `seconds, samples_per_second`.
  func csv() -> String {
    let keys = sweptKeys
    var header = ["index", "id"] + keys.filter { $0 != "seed" } + ["seed", "status", "epochs"]
    header += ["train_loss"] + metricColumns("val") + ["best_val_loss", "best_epoch"]
    if hasTest { header += metricColumns("test") }
    header += ["seconds", "samples_per_second"]
    var lines = [header.map(csvField).joined(separator: ",")]
    for (run, result) in zip(experiment.runs, results) {
      let settings = Dictionary(run.settings, uniquingKeysWith: { first, _ in first })
      var fields = ["\(run.index)", run.id] + keys.filter { $0 != "seed" }.map { settings[$0] ?? "" }
      fields += ["\(run.configuration.training.seed)", result.status.rawValue, "\(result.curve.count)"]
      fields.append(NumberFormat.csv(result.final?.trainingLoss))
      fields += metricFields(result.final?.validation)
      fields.append(NumberFormat.csv(result.best?.validation?.loss))
      fields.append(result.best.map { "\($0.epoch)" } ?? "")
      if hasTest { fields += metricFields(result.test) }
      fields += [NumberFormat.seconds(result.seconds), "\(Int(result.samplesPerSecond.rounded()))"]
      lines.append(fields.map(csvField).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// A report a person reads: configurations that differ only by seed grouped, mean and
  /// standard deviation over seeds, best first; then every run.
  func markdown() -> String {
    let keys = sweptKeys.filter { $0 != "seed" }
    var groups: [(label: String, results: [RunResult])] = []
    for (run, result) in zip(experiment.runs, results) {
      let label = run.settings.filter { $0.key != "seed" }.map { "\($0.key)=\($0.value)" }
        .joined(separator: ", ")
      if let i = groups.firstIndex(where: { $0.label == label }) {
        groups[i].results.append(result)
      } else {
        groups.append((label, [result]))
      }
    }
    let metric = classification ? "val_accuracy" : "val_rmse"
    func value(_ r: RunResult) -> Double? {
      classification ? r.final?.validation?.accuracy : r.final?.validation?.rmse
    }
    func loss(_ r: RunResult) -> Double? { r.final?.validation?.loss ?? r.final?.trainingLoss }
    func stats(_ values: [Double]) -> (mean: Double, std: Double)? {
      guard !values.isEmpty else { return nil }
      let mean = values.reduce(0, +) / Double(values.count)
      let variance =
        values.count > 1
        ? values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1) : 0
      return (mean, variance.squareRoot())
    }
    func cell(_ s: (mean: Double, std: Double)?) -> String {
      guard let s else { return "-" }
      return "\(NumberFormat.short(s.mean)) ± \(NumberFormat.short(s.std))"
    }
    let rows = groups.map { group -> (label: String, n: Int, diverged: Int, metric: (Double, Double)?, loss: (Double, Double)?) in
      let ok = group.results.filter { $0.status == .complete }
      return (
        group.label, group.results.count, group.results.count - ok.count,
        stats(ok.compactMap(value)), stats(ok.compactMap(loss))
      )
    }
    let ranked = rows.enumerated().sorted { a, b in
      let x = a.element.loss?.0 ?? .infinity
      let y = b.element.loss?.0 ?? .infinity
      return x != y ? x < y : a.offset < b.offset
    }.map(\.element)

    var out = "# \(experiment.name)\n\n"
    if !experiment.description.isEmpty { out += experiment.description + "\n\n" }
    out += "\(results.count) runs. Final validation metrics, mean ± standard deviation over seeds"
    out += " (runs that diverged or failed are counted, not averaged); best validation loss first.\n\n"
    out += "| configuration | runs | diverged | \(metric) | val_loss |\n"
    out += "| --- | ---: | ---: | ---: | ---: |\n"
    for row in ranked {
      out += "| \(row.label.isEmpty ? "(single configuration)" : row.label) | \(row.n) | \(row.diverged) | \(cell(row.metric)) | \(cell(row.loss)) |\n"
    }
    out += "\n## Runs\n\n"
    out += "| id | " + (keys + ["seed"]).joined(separator: " | ") + " | status | epochs | \(metric) | val_loss |\n"
    out += "| --- |" + String(repeating: " --- |", count: keys.count + 1) + " --- | ---: | ---: | ---: |\n"
    for (run, result) in zip(experiment.runs, results) {
      let settings = Dictionary(run.settings, uniquingKeysWith: { first, _ in first })
      let cells = keys.map { settings[$0] ?? "" } + ["\(run.configuration.training.seed)"]
      out += "| \(run.id) | " + cells.joined(separator: " | ")
      out += " | \(result.status.rawValue) | \(result.curve.count) | "
      out += (value(result).map { NumberFormat.short($0) } ?? "-") + " | "
      out += (loss(result).map { NumberFormat.short($0) } ?? "-") + " |\n"
    }
    return out
  }
}
