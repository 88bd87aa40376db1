import DescentEngine

/// A decoded `optimizer`: its settings and the gradient clipping configured beside them.
struct DecodedOptimizer: Sendable {
  var settings: OptimizerSettings
  var clipping = GradientClipping()
}

extension ConfigurationDecoder {
  /// `optimizer:`, declared once; defaults are PyTorch's for the optimizer named.
  static let optimizerSection = SettingsSection<DecodedOptimizer>(
    name: "optimizer",
    variantKey: SchemaKey(
      "name", .choice(OptimizerSettings.Name.allCases.map(\.rawValue)), required: true,
      placeholder: "<required>", doc: "the optimizer, as torch.optim's"),
    settings: [
      .number("lr", \.settings.learningRate, .positive, doc: "the learning rate"),
      .number(
        "momentum", \.settings.momentum, .fraction, appliesTo: ["sgd", "rmsprop"], doc: ""),
      .number("dampening", \.settings.dampening, .unitInterval, appliesTo: ["sgd"], doc: ""),
      .boolean(
        "nesterov", \.settings.nesterov, appliesTo: ["sgd"],
        doc: "needs momentum > 0 and dampening 0"),
      .choice(
        "momentum_form", \.settings.momentumForm, appliesTo: ["sgd"],
        doc: "torch: b = mu b + g, w -= lr b; classical: v = mu v - lr g, w += v"),
      KeyBinding(
        key: SchemaKey(
          "betas", .list(.number(.fraction), count: 2), appliesTo: ["adam", "adamw"],
          doc: "each in [0, 1)"),
        decode: { reader, node, key, optimizer in
          if let (beta1, beta2) = reader.betas(node, key: key) {
            optimizer.settings.beta1 = beta1
            optimizer.settings.beta2 = beta2
          }
        },
        resolve: {
          "[\(YAMLScalar.format($0.settings.beta1)), \(YAMLScalar.format($0.settings.beta2))]"
        }),
      .number("alpha", \.settings.alpha, .fraction, appliesTo: ["rmsprop"], doc: ""),
      .number(
        "lr_decay", \.settings.learningRateDecay, .nonNegative, appliesTo: ["adagrad"], doc: ""),
      .number(
        "initial_accumulator", \.settings.initialAccumulator, .nonNegative,
        appliesTo: ["adagrad"], doc: ""),
      .number(
        "eps", \.settings.epsilon, .positive, appliesTo: ["adam", "adamw", "rmsprop", "adagrad"],
        doc: ""),
      .boolean("centered", \.settings.centered, appliesTo: ["rmsprop"], doc: ""),
      .number(
        "weight_decay", \.settings.weightDecay, .nonNegative,
        doc: "coupled L2; adamw's is decoupled"),
      .optionalNumber(
        "clip_norm", \.clipping.maxNorm, .positive, doc: "clip the global gradient norm"),
      .optionalNumber("clip_value", \.clipping.maxValue, .positive, doc: "clamp each gradient"),
    ],
    defaults: { name in
      DecodedOptimizer(settings: OptimizerSettings(name.flatMap(OptimizerSettings.Name.init) ?? .sgd))
    })

  /// `optimizer: {name, lr, ...}`, or a bare name.
  mutating func decodeOptimizer(_ top: Fields) -> DecodedOptimizer? {
    let section = Self.optimizerSection
    let expected = "one of \(section.variants.joined(separator: ", "))"
    guard
      let written = reader.require(
        top, "optimizer", expected: "a mapping with a name (\(expected))"),
      let fields = reader.fields(
        of: Self.expandingName(written), path: "optimizer", keys: section.keyNames,
        location: top.keyLocation(of: "optimizer"))
    else { return nil }
    guard let nameNode = reader.require(fields, "name", expected: expected),
      let name = reader.choice(nameNode, key: "optimizer.name", OptimizerSettings.Name.self)
    else { return nil }
    var optimizer = section.defaults(name.rawValue)
    section.decode(fields, variant: name.rawValue, into: &optimizer, reader: &reader)
    let settings = optimizer.settings
    if settings.nesterov, settings.momentum == 0 || settings.dampening != 0,
      let node = fields["nesterov"]
    {
      // As torch.optim.SGD: Nesterov's look-ahead needs a momentum buffer, undamped.
      reader.report(node, key: "optimizer.nesterov", "needs momentum > 0 and dampening 0")
    }
    return optimizer
  }
}

extension ConfigReader {
  /// `betas: [beta1, beta2]`, each in [0, 1).
  mutating func betas(_ node: YAMLNode, key: String) -> (Double, Double)? {
    let expected = "a list of two numbers in [0, 1)"
    guard let items = list(node, key: key, expected: expected) else { return nil }
    guard items.count == 2 else {
      report(
        node, key: key,
        "expected \(expected), found \(items.count) value\(items.count == 1 ? "" : "s")")
      return nil
    }
    let first = number(items[0], key: key + ".0", .fraction)
    let second = number(items[1], key: key + ".1", .fraction)
    guard let first, let second else { return nil }
    return (first, second)
  }
}
