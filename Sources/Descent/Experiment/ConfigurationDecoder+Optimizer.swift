/// A decoded `optimizer`: its settings and the gradient clipping configured beside them.
struct DecodedOptimizer {
  var settings: OptimizerSettings
  var clipping: GradientClipping
}

extension ConfigurationDecoder {
  static let optimizerKeys = [
    "name", "lr", "momentum", "dampening", "nesterov", "momentum_form", "weight_decay", "betas",
    "eps", "alpha", "centered", "lr_decay", "initial_accumulator", "clip_norm", "clip_value",
  ]
  /// The keys only some optimizers use; the others apply to all.
  static let optimizerApplicability: KeyValuePairs<String, [String]> = [
    "momentum": ["sgd", "rmsprop"],
    "dampening": ["sgd"],
    "nesterov": ["sgd"],
    "momentum_form": ["sgd"],
    "betas": ["adam", "adamw"],
    "eps": ["adam", "adamw", "rmsprop", "adagrad"],
    "alpha": ["rmsprop"],
    "centered": ["rmsprop"],
    "lr_decay": ["adagrad"],
    "initial_accumulator": ["adagrad"],
  ]

  /// `optimizer: {name, lr, ...}`, or a bare name; defaults are PyTorch's for the optimizer
  /// named.
  mutating func decodeOptimizer(_ top: Fields) -> DecodedOptimizer? {
    let names = OptimizerSettings.Name.allCases.map(\.rawValue)
    let expected = "one of \(names.joined(separator: ", "))"
    guard
      let written = reader.require(
        top, "optimizer", expected: "a mapping with a name (\(expected))"),
      let all = reader.fields(
        of: Self.expandingName(written), path: "optimizer", keys: Self.optimizerKeys,
        location: top.keyLocation(of: "optimizer"))
    else { return nil }
    guard let nameNode = reader.require(all, "name", expected: expected),
      let name = reader.choice(nameNode, key: "optimizer.name", OptimizerSettings.Name.self)
    else { return nil }
    let fields = reader.applicable(all, Self.optimizerApplicability, chosen: name.rawValue)
    var settings = OptimizerSettings(name)
    reader.read(&settings.learningRate, fields, "lr", .positive)
    reader.read(&settings.momentum, fields, "momentum", .fraction)
    reader.read(&settings.dampening, fields, "dampening", .unitInterval)
    reader.read(&settings.nesterov, fields, "nesterov")
    reader.read(&settings.momentumForm, fields, "momentum_form")
    reader.read(&settings.weightDecay, fields, "weight_decay", .nonNegative)
    if let betas = fields["betas"], let (beta1, beta2) = decodeBetas(betas) {
      settings.beta1 = beta1
      settings.beta2 = beta2
    }
    reader.read(&settings.epsilon, fields, "eps", .positive)
    reader.read(&settings.alpha, fields, "alpha", .fraction)
    reader.read(&settings.centered, fields, "centered")
    reader.read(&settings.learningRateDecay, fields, "lr_decay", .nonNegative)
    reader.read(&settings.initialAccumulator, fields, "initial_accumulator", .nonNegative)
    var clipping = GradientClipping()
    reader.read(&clipping.maxNorm, fields, "clip_norm", .positive)
    reader.read(&clipping.maxValue, fields, "clip_value", .positive)
    if settings.nesterov, settings.momentum == 0 || settings.dampening != 0,
      let node = fields["nesterov"]
    {
      // As torch.optim.SGD: Nesterov's look-ahead needs a momentum buffer, undamped.
      reader.report(node, key: "optimizer.nesterov", "needs momentum > 0 and dampening 0")
    }
    return DecodedOptimizer(settings: settings, clipping: clipping)
  }

  /// `betas: [beta1, beta2]`, each in [0, 1).
  private mutating func decodeBetas(_ node: SourceNode) -> (Double, Double)? {
    let expected = "a list of two numbers in [0, 1)"
    guard let items = reader.list(node, key: "optimizer.betas", expected: expected) else {
      return nil
    }
    guard items.count == 2 else {
      reader.report(
        node, key: "optimizer.betas",
        "expected \(expected), found \(items.count) value\(items.count == 1 ? "" : "s")")
      return nil
    }
    let first = reader.number(items[0], key: "optimizer.betas.0", .fraction)
    let second = reader.number(items[1], key: "optimizer.betas.1", .fraction)
    guard let first, let second else { return nil }
    return (first, second)
  }
}
