import DescentEngine

/// The experiment file declared once: every key, what it accepts, its default and what it
/// means. The readers of each section take their key lists from here; the key reference in the
/// README (`descent schema --reference`) and the JSON Schema (`descent schema`) are rendered
/// from it, and a test holds the README to it.
public enum ExperimentSchema {
  /// The top level, in the order the key reference lists it.
  static let top: [SchemaKey] = [
    SchemaKey(
      "name", .string, placeholder: "<file name>",
      doc: "the results folder: letters, digits, - _ . (not first)"),
    SchemaKey("description", .string, default: "\"\"", doc: ""),
    SchemaKey("seed", .seed, default: "0", doc: "the base seed"),
    SchemaKey(
      "data", .mapping(data), required: true, doc: "the examples, split and normalized"),
    SchemaKey("model", .mapping(model), required: true, doc: "the network"),
    section(ConfigurationDecoder.lossSection, required: true),
    section(ConfigurationDecoder.optimizerSection, required: true),
    section(
      ConfigurationDecoder.scheduleSection, doc: "optional: a constant rate; a bare name is {name: ...}"),
    SchemaKey(
      "training", .mapping(ConfigurationDecoder.trainingSection.keys),
      doc: "epochs, batches, early stopping and checkpoints"),
    SchemaKey("sweep", .mapping(sweep), doc: "optional: the runs of the experiment"),
    SchemaKey(
      "expect", .list(.mapping(expectation)),
      doc: "optional: checked after the sweep (see \"In CI\")"),
    SchemaKey(
      "report", .mapping(report),
      doc: "optional: what the report shows; descent report's options override it"),
    SchemaKey(
      "study", .mapping(study),
      doc: "optional, instead of sweep: a fair comparison of arms (see \"Comparing optimizers fairly\"); not with expect or report"
    ),
  ]

  /// A section with variants: its keys, the variant's first.
  static func section<Settings>(
    _ section: SettingsSection<Settings>, required: Bool = false, doc: String? = nil
  ) -> SchemaKey {
    let names = section.variants.joined(separator: ", ")
    return SchemaKey(
      section.name, .section(section.keys, variantKey: section.variantKey?.name ?? "name"),
      required: required, doc: doc ?? "a bare name is {name: ...}; keys apply as listed (\(names))")
  }

  // MARK: data

  static let data: [SchemaKey] = [
    SchemaKey(
      "source", .oneOf([.choice(BuiltinDataset.allCases.map(\.rawValue)), .mapping(csv), .mapping(idx), .mapping(synthetic)]),
      required: true, placeholder: "<required>",
      doc: "digits | iris | {csv: ...} | {idx: ...} | {synthetic: ...} (see \"Data\")"),
    SchemaKey(
      "validation", .number(.fraction), default: "0.2", doc: "the held-out fraction"),
    SchemaKey(
      "normalize", .choice(Normalization.allCases.map(\.rawValue)), placeholder: "standard",
      doc: "fitted on the training part; idx: none (pixels already in [0, 1])"),
    SchemaKey(
      "seed", .seed, placeholder: "<seed>",
      doc: "the seed of the validation split and of synthetic sets; the base seed"),
    SchemaKey(
      "shape", .list(.integer(.positive)), placeholder: "<from the data>",
      doc: "[features] | [channels, height, width]; idx: [1, rows, cols]; [1, 8, 8] lays 64 features out as images"
    ),
  ]

  static let csv: [SchemaKey] = [
    SchemaKey(
      "csv", .string, required: true, doc: "the file, relative to the experiment file"),
    SchemaKey("target", .string, required: true, doc: "the target column"),
    SchemaKey("features", .list(.string), doc: "the feature columns; all others by default"),
    SchemaKey("drop", .list(.string), doc: "columns left out; not with features"),
    SchemaKey(
      "task", .choice(CSVSource.Task.allCases.map(\.rawValue)), default: "classification",
      doc: ""),
    SchemaKey(
      "drop_invalid_rows", .boolean, default: "false",
      doc: "true: leave out rows with a missing or invalid value"),
    SchemaKey("test", .nullable(.string), default: "null", doc: "a test file with the same columns"),
  ]

  static let idxPair: [SchemaKey] = [
    SchemaKey("images", .string, required: true, doc: "an IDX file of images (idx3-ubyte)"),
    SchemaKey("labels", .string, required: true, doc: "an IDX file of labels (idx1-ubyte)"),
  ]

  static let idx: [SchemaKey] = [
    SchemaKey("idx", .mapping(idxPair), required: true, doc: "the training files"),
    SchemaKey("test", .nullable(.mapping(idxPair)), default: "null", doc: "the test files"),
  ]

  static let synthetic: [SchemaKey] = [
    SchemaKey(
      "synthetic", .choice(SyntheticGenerator.allCases.map(\.rawValue)), required: true,
      doc: "the generator"),
    SchemaKey(
      "samples", .integer(IntegerRule(minimum: 1, maximum: SyntheticSource.maximumSamples)),
      placeholder: "<the generator's>", doc: ""),
    SchemaKey(
      "classes", .integer(IntegerRule(minimum: 2, maximum: SyntheticSource.maximumClasses)),
      appliesTo: SyntheticGenerator.allCases.filter(\.takesClasses).map(\.rawValue),
      placeholder: "<the generator's>", doc: ""),
    SchemaKey("noise", .number(.nonNegative), placeholder: "<the generator's>", doc: ""),
    SchemaKey(
      "dimension", .integer(IntegerRule(minimum: 1, maximum: SyntheticSource.maximumDimension)),
      appliesTo: SyntheticGenerator.allCases.filter(\.takesDimension).map(\.rawValue),
      placeholder: "<the generator's>", doc: ""),
  ]

  // MARK: model

  static let model: [SchemaKey] = [
    SchemaKey(
      "layers", .schema(.object([("$ref", .string("#/$defs/layers"))])), required: true,
      placeholder: "<required>",
      doc: "in order, each a module of a torch.nn.Sequential; at least one dense, the last dense being the output layer"
    ),
    SchemaKey(
      "init", .choice(Initializer.allCases.map(\.rawValue)), default: "he_normal",
      doc: "biases as each scheme defines them"),
    SchemaKey(
      "init_from", .nullable(.string), default: "null",
      doc: "a safetensors file to start from, relative to the experiment file"),
  ]

  /// The parameters of the activations that take any, with their defaults.
  static var activationKinds: [String: [String: Double]] {
    var kinds: [String: [String: Double]] = [:]
    for name in Activation.names {
      let parameters = Activation(name: name)?.parameters ?? []
      if !parameters.isEmpty {
        kinds[name] = Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.value) })
      }
    }
    return kinds
  }

  // MARK: sweep

  /// Any value: what a swept key takes is checked where it lands.
  static let anyValue = ValueKind.schema(.object([]))

  static let powers = ValueKind.oneOf([
    .mapping([SchemaKey("log2", .list(.integer(.any), count: 2), doc: "2^a ... 2^b")]),
    .mapping([SchemaKey("log10", .list(.integer(.any), count: 2), doc: "10^a ... 10^b")]),
  ])

  static let space: [SchemaKey] = [
    SchemaKey(
      "grid", .dictionary(.oneOf([.list(anyValue), powers])),
      placeholder: "{optimizer.lr: [0.01, 0.1]}",
      doc: "{dotted key: [values]}: the cartesian product, first key slowest; or powers, {log2: [-6, -2]}"),
    SchemaKey(
      "zip", .dictionary(.list(anyValue)),
      placeholder: "{optimizer.name: [sgd, adam], optimizer.lr: [0.05, 0.001]}",
      doc: "advanced together"),
    SchemaKey("random", .mapping(random), doc: "samples drawn from distributions"),
  ]

  static let random: [SchemaKey] = [
    SchemaKey("samples", .integer(.positive), required: true, placeholder: "<required>", doc: ""),
    SchemaKey("seed", .seed, placeholder: "<seed>", doc: "the seed of the draws; the base seed"),
    SchemaKey(
      "space",
      .dictionary(
        .oneOf([
          .mapping([SchemaKey("uniform", .list(.number(.any), count: 2), doc: "")]),
          .mapping([SchemaKey("log_uniform", .list(.number(.positive), count: 2), doc: "")]),
          .mapping([SchemaKey("int", .list(.integer(.any), count: 2), doc: "")]),
          .mapping([SchemaKey("choice", .list(anyValue), doc: "")]),
        ])),
      placeholder: "{optimizer.lr: {log_uniform: [1.0e-4, 1.0]}}",
      doc: "{dotted key: {uniform | log_uniform | int: [a, b]} or {choice: [...]}}"),
    SchemaKey(
      "sequence", .choice(RandomSearch.Sequence.allCases.map(\.rawValue)), default: "random",
      doc: "halton: quasi-random, covers the space more evenly"),
  ]

  static let sweep: [SchemaKey] =
    space + [
      SchemaKey(
        "seeds", .list(.seed), placeholder: "[1, 2, 3]",
        doc: "distinct; each run's seed is the base seed plus it"),
      SchemaKey(
        "max_runs", .integer(IntegerRule(minimum: 1, maximum: Experiment.maximumRuns)),
        default: "5000", doc: "a larger sweep stops before anything runs"),
    ]

  // MARK: study

  static let target: [SchemaKey] = [
    SchemaKey(
      "metric", .choice(RunMetric.allCases.map(\.rawValue)), required: true, doc: ""),
    SchemaKey("value", .number(.any), required: true, doc: ""),
  ]

  static let study: [SchemaKey] = [
    SchemaKey(
      "arms",
      .dictionary(
        .oneOf([
          .dictionary(anyValue),
          .mapping([
            SchemaKey("set", .dictionary(anyValue), doc: "the arm's settings"),
            SchemaKey("space", .mapping(space), doc: "the arm's own tuning space"),
          ]),
        ])),
      required: true, placeholder: "<required>",
      doc: "at least two: name: {dotted key: value}, or {set: {...}, space: {...}}"),
    SchemaKey("baseline", .string, placeholder: "<first arm>", doc: "the arm others are compared to"),
    SchemaKey(
      "tune",
      .mapping([
        SchemaKey(
          "space", .mapping(space), required: true, placeholder: "<required>",
          doc: "grid, zip, random as under sweep; the same size for every arm"),
        SchemaKey("seeds", .list(.seed), default: "[1]", doc: "tuning seeds"),
        SchemaKey(
          "metric", .choice(["val_loss", "val_accuracy", "val_rmse", "val_r2"]),
          default: "val_loss", doc: "on the validation data"),
        SchemaKey(
          "extend", .integer(IntegerRule(minimum: 0, maximum: 100)), default: "2",
          doc: "extra candidates per arm for edge extension"),
        SchemaKey(
          "halving",
          .nullable(
            .mapping([
              SchemaKey("eta", .integer(IntegerRule(minimum: 2, maximum: 100)), default: "3", doc: ""),
              SchemaKey(
                "min_epochs", .integer(IntegerRule(minimum: 1, maximum: 1_000_000)), default: "1",
                doc: ""),
            ])),
          default: "null", doc: "successive halving"),
      ]),
      required: true, doc: "how each arm's settings are chosen"),
    SchemaKey(
      "confirm",
      .mapping([
        SchemaKey(
          "seeds", .oneOf([.integer(.positive), .list(.seed)]), default: "10",
          doc: "a count (after the largest tuning seed) or a list, disjoint from the tuning seeds")
      ]),
      doc: "the chosen settings of each arm, trained again on new seeds"),
    SchemaKey(
      "target", .nullable(.mapping(target)), default: "null",
      doc: "the epochs and time each arm takes to reach it"),
  ]

  // MARK: expect and report

  static let expectation: [SchemaKey] = [
    SchemaKey(
      "where", .dictionary(anyValue), placeholder: "{optimizer.momentum: 0.9}",
      doc: "swept keys, seed too; omitted: every run"),
    SchemaKey(
      "metric", .choice(RunMetric.allCases.map(\.rawValue)), placeholder: "val_accuracy",
      doc: "after the last epoch trained"),
    SchemaKey(
      "aggregate", .choice(Expectation.Aggregate.allCases.map(\.rawValue)), default: "mean",
      doc: "over the seeds of each configuration"),
    SchemaKey("at_least", .number(.any), placeholder: "0.95", doc: "and/or at_most; or between"),
    SchemaKey("at_most", .number(.any), placeholder: "null", doc: ""),
    SchemaKey("between", .list(.number(.any), count: 2), placeholder: "null", doc: "[low, high]"),
    SchemaKey(
      "status", .choice(["complete"]), placeholder: "null",
      doc: "no matching run may diverge or fail (then the metric is optional)"),
  ]

  static let report: [SchemaKey] = [
    SchemaKey(
      "metric", .choice(RunMetric.allCases.map(\.rawValue)), placeholder: "val_loss",
      doc: "the final metric configurations are ranked and arms compared by; train_loss without validation"
    ),
    SchemaKey(
      "compare", .nullable(.list(.string)), placeholder: "<two values>",
      doc: "swept settings whose arms are compared seed by seed; default: every swept setting with exactly two values; []: none"
    ),
    SchemaKey(
      "targets", .nullable(.list(.mapping(target))), default: "[]",
      doc: "the first epoch at which each run reaches each value"),
    SchemaKey(
      "confidence", .number(.openUnitInterval), default: "0.95",
      doc: "the level of the paired confidence intervals"),
  ]

  /// The keys of the mapping `key` declares, in `keys`.
  static func keys(of key: String, in keys: [SchemaKey]) -> [SchemaKey] {
    guard let declared = keys.first(where: { $0.name == key }) else { return [] }
    switch declared.kind {
    case .mapping(let keys), .nullable(.mapping(let keys)), .section(let keys, _): return keys
    default: return []
    }
  }
}

extension ExperimentSchema {
  /// The JSON Schema of the experiment file, as `descent schema` prints it.
  public static var jsonSchemaText: String { JSONSchema.experiment().text() + "\n" }

  /// Every key with its default and a comment, as the README lists them.
  public static var keyReferenceText: String { KeyReference.render() }
}
