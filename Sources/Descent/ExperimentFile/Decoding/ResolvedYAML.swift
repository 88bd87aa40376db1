import DescentEngine

/// Writes a run's configuration back as YAML with every key and its value, in a fixed order, so
/// that the file alone reproduces the run and two runs compare line by line.
///
/// Only the keys that apply are written (no `betas` for SGD). Numbers are written so that they
/// read back to the same `Double`. There is no `name`, `description` or `sweep`: the text is
/// the configuration of one run, and its hash changes exactly when the run would.
enum ResolvedYAML {
  ///
  /// - Parameter hashed: leaves out the keys that change no number of the run (checkpoints),
  ///   for the configuration's hash.
  static func render(_ configuration: RunConfiguration, hashed: Bool = false) -> String {
    var lines: [String] = []
    let training = configuration.training
    lines.append("seed: \(training.seed)")
    lines += section("data", data(configuration.data))
    lines += ["model:", "  layers:"]
    lines += Layer.resolvedEntries(training.model.layers).map { "    - " + $0 }
    lines.append("  init: \(training.model.initializer.rawValue)")
    lines.append("  init_from: \(configuration.initFrom.map(YAMLScalar.doubleQuoted) ?? "null")")
    lines += section("loss", loss(training.loss))
    lines += section("optimizer", optimizer(training.optimizer, training.clipping))
    lines += section("schedule", schedule(training.schedule, warmup: configuration.warmup))
    lines += section("training", self.training(configuration, hashed: hashed))
    return lines.joined(separator: "\n") + "\n"
  }

  private typealias Pairs = [(key: String, value: String)]

  private static func section(_ name: String, _ pairs: Pairs) -> [String] {
    ["\(name):"] + pairs.map { "  \($0.key): \($0.value)" }
  }

  private static func number(_ value: Double) -> String { YAMLScalar.format(value) }

  private static func optional(_ value: Double?) -> String { value.map(number) ?? "null" }

  private static func data(_ data: DataSettings) -> Pairs {
    var pairs: Pairs = [
      ("source", data.source.resolvedText), ("validation", number(data.validation)),
      ("normalize", data.normalize.rawValue), ("seed", "\(data.seed)"),
    ]
    // Written only when given, so that the files of flat data keep their hashes.
    if let shape = data.shape { pairs.append(("shape", shape.description)) }
    return pairs
  }

  private static func loss(_ loss: Loss) -> Pairs {
    ConfigurationDecoder.lossSection.resolved(loss, variant: loss.name)
  }

  private static func optimizer(_ o: OptimizerSettings, _ clipping: GradientClipping) -> Pairs {
    ConfigurationDecoder.optimizerSection.resolved(
      DecodedOptimizer(settings: o, clipping: clipping), variant: o.name.rawValue)
  }

  private static func schedule(_ s: ScheduleSettings, warmup: Warmup) -> Pairs {
    ConfigurationDecoder.scheduleSection.resolved(
      DecodedSchedule(settings: s, warmup: warmup), variant: s.name.rawValue)
  }

  private static func training(_ configuration: RunConfiguration, hashed: Bool) -> Pairs {
    ConfigurationDecoder.trainingSection.resolved(
      DecodedTraining(configuration), hashed: hashed)
  }
}
