/// `summary.csv`: the runs of a sweep side by side, in sweep order. The report (`Report`) reads
/// it back for the timings and writes everything else from the results folder's files.
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
}
