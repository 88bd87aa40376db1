import DescentEngine

/// A decoded `training` section, with where some of its keys were written.
struct DecodedTraining: Sendable {
  struct Stopping: Sendable {
    var settings: EarlyStopping
    /// Where the metric was written, or where early stopping was named.
    var metricLocation: InputLocation
  }

  var epochs = 10
  var batchSize = 32
  /// Where `batch_size` is set, or where `training` is named when it is not, for messages
  /// about the batches' memory.
  var batchSizeLocation = InputLocation(file: "")
  /// Whether the file sets `batch_size`, rather than leaving it to the default.
  var batchSizeGiven = false
  var dropLast = false
  /// Where `drop_last` is set, for messages about the batches it leaves.
  var dropLastLocation: InputLocation?
  var earlyStopping: Stopping?
  var saveWeights = false
  var checkpoint = CheckpointPolicy.standard
  var keepCheckpoint = false
}

extension DecodedTraining {
  /// The section as a run's configuration holds it, for `config.yaml`.
  init(_ configuration: RunConfiguration) {
    epochs = configuration.training.epochs
    batchSize = configuration.training.batchSize
    dropLast = configuration.training.dropLast
    earlyStopping = configuration.earlyStopping.map {
      Stopping(settings: $0, metricLocation: InputLocation(file: ""))
    }
    saveWeights = configuration.saveWeights
    checkpoint = configuration.checkpoint
    keepCheckpoint = configuration.keepCheckpoint
  }
}

extension ConfigurationDecoder {
  static let earlyStoppingKeys = [
    SchemaKey(
      "metric", .choice(RunMetric.allCases.map(\.rawValue)), default: RunMetric.valLoss.rawValue,
      doc: "the metric watched after each epoch"),
    SchemaKey("patience", .integer(.positive), default: "3", doc: "epochs without improvement"),
    SchemaKey(
      "min_delta", .number(.nonNegative), default: "0.0",
      doc: "the smallest change that counts as one"),
  ]

  /// `training:`, declared once.
  static let trainingSection = SettingsSection<DecodedTraining>(
    name: "training",
    settings: [
      .integer("epochs", \.epochs, .positive, doc: ""),
      KeyBinding(
        key: SchemaKey(
          "batch_size", .integer(.positive),
          doc: "a run must fit in memory (see \"Memory\" under \"The command line\")"),
        decode: { reader, node, key, training in
          training.batchSizeLocation = node.location
          training.batchSizeGiven = true
          if let value = reader.integer(node, key: key, .positive) { training.batchSize = value }
        },
        resolve: { String($0.batchSize) }),
      KeyBinding(
        key: SchemaKey(
          "drop_last", .boolean, default: "false",
          doc: "true: leave out an epoch's last batch when the batch size does not divide the training examples (DataLoader's drop_last)"
        ),
        decode: { reader, node, key, training in
          training.dropLastLocation = node.location
          if let value = reader.boolean(node, key: key) { training.dropLast = value }
        },
        // Written only when set, so that the runs of files written before it keep their hashes.
        resolve: { $0.dropLast ? "true" : nil }),
      KeyBinding(
        key: SchemaKey(
          "early_stopping", .nullable(.mapping(earlyStoppingKeys)),
          doc: "stop when the metric has not improved for patience epochs"),
        decode: { reader, node, key, training in
          guard !node.isNull else {
            training.earlyStopping = nil
            return
          }
          training.earlyStopping = reader.earlyStopping(node, key: key)
        },
        resolve: {
          $0.earlyStopping.map {
            let stopping = $0.settings
            return
              "{metric: \(stopping.metric.rawValue), patience: \(stopping.patience), min_delta: \(YAMLScalar.format(stopping.minDelta))}"
          } ?? "null"
        }),
      .boolean("save_weights", \.saveWeights, doc: "true: runs/<id>/weights.safetensors"),
      KeyBinding(
        key: SchemaKey(
          "checkpoint",
          .oneOf([.boolean, .mapping([SchemaKey("every", .integer(.positive), doc: "epochs")])]),
          doc: "true: a checkpoint at the end of the first epoch 30 s or more after the last one; {every: N}: after every N-th epoch; false: none"
        ),
        hashed: false,
        decode: { reader, node, key, training in
          if let policy = reader.checkpoint(node, key: key) { training.checkpoint = policy }
        },
        resolve: { $0.checkpoint.resolvedText }),
      KeyBinding(
        key: SchemaKey(
          "keep_checkpoint", .boolean,
          doc: "true: keep the last checkpoint once the run is complete"),
        hashed: false,
        decode: { reader, node, key, training in
          if let value = reader.boolean(node, key: key) { training.keepCheckpoint = value }
        },
        resolve: { "\($0.keepCheckpoint)" }),
    ],
    defaults: { _ in DecodedTraining() })

  /// `training: {epochs, batch_size, drop_last, early_stopping, save_weights, checkpoint,
  /// keep_checkpoint}`.
  mutating func decodeTraining(_ top: Fields) -> DecodedTraining? {
    let section = Self.trainingSection
    var training = section.defaults(nil)
    training.batchSizeLocation = top.keyLocation(of: "training")
    guard let node = top["training"] else { return training }
    guard
      let fields = reader.fields(
        of: node, path: "training", keys: section.keyNames,
        location: top.keyLocation(of: "training"))
    else { return nil }
    section.decode(fields, variant: nil, into: &training, reader: &reader)
    if let node = fields["early_stopping"], !node.isNull {
      // Early stopping that is not a mapping leaves nothing to plan the run around.
      guard var stopping = training.earlyStopping else { return nil }
      // A message about the metric left to its default points where early stopping is named.
      if node.entries?.contains(where: { $0.key == "metric" }) != true {
        stopping.metricLocation = fields.keyLocation(of: "early_stopping")
        training.earlyStopping = stopping
      }
    }
    return training
  }
}

extension ConfigReader {
  /// `checkpoint: true | false | {every: N}`.
  mutating func checkpoint(_ node: YAMLNode, key: String) -> CheckpointPolicy? {
    let expected = "true, false or {every: N} (a checkpoint every N epochs)"
    if node.entries == nil {
      guard !node.isNull, let text = node.plainText, let on = YAMLScalar.boolean(text) else {
        mismatch(node, key: key, expected: expected)
        return nil
      }
      return on ? .standard : .off
    }
    guard let fields = fields(of: node, path: key, keys: ["every"]) else { return nil }
    guard let every = fields["every"] else {
      // Unknown keys are reported already.
      if node.entries?.isEmpty == true { mismatch(node, key: key, expected: expected) }
      return nil
    }
    return integer(every, key: key + ".every", .positive).map(CheckpointPolicy.everyEpochs)
  }

  /// `early_stopping: {metric, patience, min_delta}`.
  mutating func earlyStopping(_ node: YAMLNode, key path: String) -> DecodedTraining.Stopping? {
    let location = node.location
    guard
      let fields = fields(
        of: node, path: path, keys: ConfigurationDecoder.earlyStoppingKeys.map(\.name),
        location: location)
    else { return nil }
    var settings = EarlyStopping()
    read(&settings.metric, fields, "metric")
    read(&settings.patience, fields, "patience", .positive)
    read(&settings.minDelta, fields, "min_delta", .nonNegative)
    let metricLocation = fields["metric"]?.location ?? location
    return DecodedTraining.Stopping(settings: settings, metricLocation: metricLocation)
  }
}
