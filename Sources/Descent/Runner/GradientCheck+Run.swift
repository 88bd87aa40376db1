import DescentEngine

extension GradientCheck {
  /// A gradient check of one run's model on a batch of its real data.
  public struct Report: Sendable {
    public var rows: Int
    public var results: [Result]
  }

  /// Checks the model of `run` on the first `rows` examples of its prepared training data,
  /// starting from the run's own initial weights.
  ///
  /// - Throws: `Diagnostic` when the data cannot be read.
  public static func run(
    for run: RunSpec, rows: Int, tolerance: Tolerance = Tolerance()
  ) throws -> Report {
    let data = try PreparedData(run.configuration.data).split.training
    let count = min(rows, data.rows)
    let settings = run.configuration.training
    let results = GradientCheck.run(
      spec: settings.model, loss: settings.loss, inputWidth: data.featureCount,
      inputShape: data.exampleShape,
      inputs: data.features.prefix(count * data.featureCount).map(Double.init),
      targets: data.targets.prefix(count * data.targetWidth).map(Double.init),
      seed: settings.seed, tolerance: tolerance)
    return Report(rows: count, results: results)
  }
}
