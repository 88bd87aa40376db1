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
    switch loss {
    case .crossEntropy(let smoothing):
      [("name", loss.name), ("label_smoothing", number(smoothing))]
    case .huber(let delta): [("name", loss.name), ("delta", number(delta))]
    case .binaryCrossEntropy, .meanSquaredError: [("name", loss.name)]
    }
  }

  private static func optimizer(_ o: OptimizerSettings, _ clipping: GradientClipping) -> Pairs {
    var pairs: Pairs = [("name", o.name.rawValue), ("lr", number(o.learningRate))]
    switch o.name {
    case .sgd:
      pairs += [
        ("momentum", number(o.momentum)), ("dampening", number(o.dampening)),
        ("nesterov", "\(o.nesterov)"), ("momentum_form", o.momentumForm.rawValue),
      ]
    case .adam, .adamw:
      pairs += [("betas", "[\(number(o.beta1)), \(number(o.beta2))]"), ("eps", number(o.epsilon))]
    case .rmsprop:
      pairs += [
        ("momentum", number(o.momentum)), ("alpha", number(o.alpha)),
        ("eps", number(o.epsilon)), ("centered", "\(o.centered)"),
      ]
    case .adagrad:
      pairs += [
        ("lr_decay", number(o.learningRateDecay)),
        ("initial_accumulator", number(o.initialAccumulator)), ("eps", number(o.epsilon)),
      ]
    }
    pairs += [
      ("weight_decay", number(o.weightDecay)), ("clip_norm", optional(clipping.maxNorm)),
      ("clip_value", optional(clipping.maxValue)),
    ]
    return pairs
  }

  private static func schedule(_ s: ScheduleSettings, warmup: Warmup) -> Pairs {
    var pairs: Pairs = [("name", s.name.rawValue), ("interval", s.interval.rawValue)]
    switch s.name {
    case .constant:
      break
    case .step:
      pairs += [("step_size", "\(s.stepSize)"), ("gamma", number(s.gamma))]
    case .multistep:
      let milestones = s.milestones.map(String.init).joined(separator: ", ")
      pairs += [("milestones", "[\(milestones)]"), ("gamma", number(s.gamma))]
    case .exponential:
      pairs += [("gamma", number(s.gamma))]
    case .inverse:
      pairs += [("gamma", number(s.gamma)), ("power", number(s.power))]
    case .polynomial:
      pairs += [("total_steps", totalSteps(s)), ("power", number(s.power))]
    case .cosine:
      pairs += [("total_steps", totalSteps(s)), ("min_lr", number(s.minimum))]
    case .oneCycle:
      pairs += [
        ("total_steps", totalSteps(s)), ("pct_start", number(s.percentStart)),
        ("div_factor", number(s.divFactor)), ("final_div_factor", number(s.finalDivFactor)),
        ("cycle_momentum", "\(s.cycleMomentum)"), ("base_momentum", number(s.baseMomentum)),
        ("max_momentum", number(s.maxMomentum)),
      ]
    case .plateau:
      pairs += [
        ("factor", number(s.factor)), ("patience", "\(s.patience)"),
        ("threshold", number(s.threshold)), ("cooldown", "\(s.cooldown)"),
        ("min_lr", number(s.minimumRate)),
      ]
    }
    let warmupText =
      switch warmup {
      case .epochs(let epochs): "{epochs: \(epochs)}"
      case .steps(let steps): "{steps: \(steps)}"
      }
    pairs += [("warmup", warmupText), ("warmup_start_factor", number(s.warmupStartFactor))]
    return pairs
  }

  private static func totalSteps(_ s: ScheduleSettings) -> String {
    s.totalSteps.map(String.init) ?? "null"
  }

  private static func training(_ configuration: RunConfiguration, hashed: Bool) -> Pairs {
    let stopping = configuration.earlyStopping.map {
      "{metric: \($0.metric.rawValue), patience: \($0.patience), min_delta: \(number($0.minDelta))}"
    }
    var pairs: Pairs = [
      ("epochs", "\(configuration.training.epochs)"),
      ("batch_size", "\(configuration.training.batchSize)"),
    ]
    // Written only when set, so that the runs of files written before it keep their hashes.
    if configuration.training.dropLast { pairs.append(("drop_last", "true")) }
    pairs += [
      ("early_stopping", stopping ?? "null"),
      ("save_weights", "\(configuration.saveWeights)"),
    ]
    if !hashed {
      pairs += [
        ("checkpoint", configuration.checkpoint.resolvedText),
        ("keep_checkpoint", "\(configuration.keepCheckpoint)"),
      ]
    }
    return pairs
  }
}
