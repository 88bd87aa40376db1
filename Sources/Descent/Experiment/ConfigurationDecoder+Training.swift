/// A decoded `training` section.
struct DecodedTraining {
  struct Stopping {
    var settings: EarlyStopping
    /// Where the metric was written, or where early stopping was named.
    var metricLocation: InputLocation
  }

  var epochs = 10
  var batchSize = 32
  /// Where `batch_size` is set, or where `training` is named when it is not, for messages
  /// about the batches' memory.
  var batchSizeLocation: InputLocation
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

extension ConfigurationDecoder {
  static let trainingKeys = [
    "epochs", "batch_size", "drop_last", "early_stopping", "save_weights", "checkpoint",
    "keep_checkpoint",
  ]
  static let earlyStoppingKeys = ["metric", "patience", "min_delta"]

  /// `training: {epochs, batch_size, drop_last, early_stopping, save_weights, checkpoint,
  /// keep_checkpoint}`.
  mutating func decodeTraining(_ top: Fields) -> DecodedTraining? {
    var training = DecodedTraining(batchSizeLocation: top.keyLocation(of: "training"))
    guard let node = top["training"] else { return training }
    guard
      let fields = reader.fields(
        of: node, path: "training", keys: Self.trainingKeys,
        location: top.keyLocation(of: "training"))
    else { return nil }
    reader.read(&training.epochs, fields, "epochs", .positive)
    reader.read(&training.batchSize, fields, "batch_size", .positive)
    if let node = fields["batch_size"] {
      training.batchSizeLocation = node.location
      training.batchSizeGiven = true
    }
    reader.read(&training.dropLast, fields, "drop_last")
    training.dropLastLocation = fields["drop_last"]?.location
    reader.read(&training.saveWeights, fields, "save_weights")
    reader.read(&training.keepCheckpoint, fields, "keep_checkpoint")
    if let node = fields["checkpoint"], let policy = decodeCheckpoint(node) {
      training.checkpoint = policy
    }
    if let stopping = fields["early_stopping"], !stopping.isNull {
      let location = fields.keyLocation(of: "early_stopping")
      guard let decoded = decodeEarlyStopping(stopping, location: location) else { return nil }
      training.earlyStopping = decoded
    }
    return training
  }

  /// `checkpoint: true | false | {every: N}`.
  private mutating func decodeCheckpoint(_ node: SourceNode) -> CheckpointPolicy? {
    let key = "training.checkpoint"
    let expected = "true, false or {every: N} (a checkpoint every N epochs)"
    if node.entries == nil {
      guard !node.isNull, let text = node.plainText, let on = YAMLScalar.boolean(text) else {
        reader.mismatch(node, key: key, expected: expected)
        return nil
      }
      return on ? .standard : .off
    }
    guard let fields = reader.fields(of: node, path: key, keys: ["every"]) else { return nil }
    guard let every = fields["every"] else {
      // Unknown keys are reported already.
      if node.entries?.isEmpty == true { reader.mismatch(node, key: key, expected: expected) }
      return nil
    }
    return reader.integer(every, key: key + ".every", .positive).map(CheckpointPolicy.everyEpochs)
  }

  /// `early_stopping: {metric, patience, min_delta}`.
  private mutating func decodeEarlyStopping(
    _ node: SourceNode, location: InputLocation
  ) -> DecodedTraining.Stopping? {
    let path = "training.early_stopping"
    guard
      let fields = reader.fields(
        of: node, path: path, keys: Self.earlyStoppingKeys, location: location)
    else { return nil }
    var settings = EarlyStopping()
    reader.read(&settings.metric, fields, "metric")
    reader.read(&settings.patience, fields, "patience", .positive)
    reader.read(&settings.minDelta, fields, "min_delta", .nonNegative)
    let metricLocation = fields["metric"]?.location ?? location
    return DecodedTraining.Stopping(settings: settings, metricLocation: metricLocation)
  }
}
