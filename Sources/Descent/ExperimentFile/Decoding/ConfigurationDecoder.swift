import DescentEngine
import Foundation

/// Turns the tree of one run (the file, its overrides and its sweep point) into a
/// `RunConfiguration`, reporting every problem on the way.
///
/// Sections are read in the order files usually write them; checks that involve two sections
/// (the output width against the data, early stopping against the validation split) come last.
/// The keys, their defaults and ranges are listed in `Experiment`'s documentation.
struct ConfigurationDecoder {
  var reader = ConfigReader()
  /// The folder that relative paths of the file are resolved against.
  let baseDirectory: String
  /// The file, for messages about something missing from the top level.
  let file: String
  /// What is known about the data files, shared by the runs of one load.
  var inspector: DataInspector
  /// The memory a run must fit in; `nil` checks none.
  var memoryLimit: MemoryLimit?

  /// The top-level keys of a run's configuration.
  static let keys = ["seed", "data", "model", "loss", "optimizer", "schedule", "training"]

  init(
    file: String, baseDirectory: String, inspector: DataInspector = DataInspector(),
    memoryLimit: MemoryLimit? = nil
  ) {
    self.file = file
    self.baseDirectory = baseDirectory
    self.inspector = inspector
    self.memoryLimit = memoryLimit
  }

  var problems: [Diagnostic] { reader.problems }

  /// The configuration of `root`, or `nil` when anything is wrong with it (see `problems`).
  mutating func decode(_ root: YAMLNode) -> RunConfiguration? {
    let top = InputLocation(file: file)
    guard let fields = reader.fields(of: root, path: "", keys: Self.keys, location: top) else {
      return nil
    }
    var seed = Experiment.defaultSeed
    if let node = fields["seed"] { seed = reader.seed(node, key: "seed") ?? seed }
    var data = decodeData(fields, baseSeed: seed)
    let model = decodeModel(fields)
    let loss = decodeLoss(fields)
    let optimizer = decodeOptimizer(fields)
    let schedule = decodeSchedule(fields, optimizer: optimizer?.settings.name)
    let training = decodeTraining(fields)
    // The data is read only when the loss says what a CSV target holds.
    var shape: DataShape?
    if var decoded = data, let loss {
      shape = inspectData(&decoded, loss: loss.loss)
      data = decoded
    }
    guard let data, let shape, let model, let loss, let optimizer, let schedule, let training
    else { return nil }
    checkOutput(model, loss: loss, data: data, shape: shape)
    let known = reader.problems.count
    checkSize(model, shape: shape)
    // A model that cannot be planned, or is too large, has no state_dict to compare with.
    if reader.problems.count == known { checkInitFrom(model, shape: shape) }
    checkBatches(model, training: training, data: data.settings, shape: shape)
    checkEarlyStopping(training, loss: loss.loss, data: data.settings)
    guard reader.problems.isEmpty else { return nil }
    // Last: a run that is wrong in any other way is not estimated.
    guard
      let memory = checkMemory(
        model, training: training, optimizer: optimizer.settings, data: data, shape: shape)
    else { return nil }
    var settings = TrainingSettings(
      model: model.spec, loss: loss.loss, optimizer: optimizer.settings,
      schedule: schedule.settings, clipping: optimizer.clipping, epochs: training.epochs,
      batchSize: training.batchSize, dropLast: training.dropLast, seed: seed)
    // Known without the data unless a per-batch schedule warms up for whole epochs.
    settings.schedule.warmupSteps = schedule.warmup.scheduleSteps(
      interval: schedule.settings.interval, batchesPerEpoch: 0)
    var configuration = RunConfiguration(
      data: data.settings, training: settings, warmup: schedule.warmup,
      earlyStopping: training.earlyStopping?.settings, saveWeights: training.saveWeights,
      initFrom: model.initFrom?.path)
    configuration.inputShape = shape.exampleShape
    configuration.memory = memory
    configuration.checkpoint = training.checkpoint
    configuration.keepCheckpoint = training.keepCheckpoint
    return configuration
  }

  /// A section written as a bare name, `loss: mse`, read as `{name: mse}`.
  static func expandingName(_ node: YAMLNode) -> YAMLNode {
    guard node.scalarText != nil, !node.isNull else { return node }
    return .mapping(
      [.init(key: "name", keyLocation: node.location, value: node)], at: node.location)
  }

  // MARK: Checks across sections

  /// The network's output width must match what the loss makes of the data: one output per
  /// class for cross_entropy, one output for bce on two classes, one output per target for mse
  /// and huber, which need a regression set.
  mutating func checkOutput(
    _ model: DecodedModel, loss: DecodedLoss, data: DecodedData, shape: DataShape
  ) {
    let source = data.settings.source.name
    let name = loss.loss.name
    switch (loss.loss, shape.classCount) {
    case (.crossEntropy, let classes?):
      checkWidth(model, expected: classes, "for cross_entropy on \(source) (\(classes) classes)")
    case (.binaryCrossEntropy, 2):
      checkWidth(model, expected: 1, "for bce")
    case (.binaryCrossEntropy, let classes?):
      reader.report(
        loss.node, key: "loss",
        "bce needs a data set with 2 classes; \(source) has \(classes); use cross_entropy")
    case (.meanSquaredError, let classes?), (.huber, let classes?):
      var remedy = "use cross_entropy"
      if case .csv = data.settings.source { remedy += ", or set data.source.task: regression" }
      reader.report(
        loss.node, key: "loss",
        "\(name) needs a regression data set; \(source) is a classification set with \(classes) classes; \(remedy)"
      )
    case (.crossEntropy, nil), (.binaryCrossEntropy, nil):
      reader.report(
        loss.node, key: "loss",
        "\(name) needs a classification data set; \(source) is a regression set; use mse or huber")
    case (.meanSquaredError, nil), (.huber, nil):
      let targets = shape.targetWidth == 1 ? "1 target" : "\(shape.targetWidth) targets"
      checkWidth(model, expected: shape.targetWidth, "for \(name) on \(source) (\(targets))")
    }
  }

  /// Reports a layer that cannot take the shape before it, where it is written, and a network
  /// with more parameters than `ModelSpec.maximumParameters`.
  private mutating func checkSize(_ model: DecodedModel, shape: DataShape) {
    let limit = ModelSpec.maximumParameters
    let count: Int?
    do throws(ModelSpec.PlanError) {
      count = try model.spec.parameterCount(for: shape.exampleShape)
    } catch {
      let origin = model.origins[error.layer].locate(error.path)
      reader.report(origin.node, key: origin.key, error.message)
      return
    }
    if let count, count <= limit { return }
    let found = count.map { "\($0) parameters" } ?? "more than \(Int.max) parameters"
    let inputs =
      shape.exampleShape.isFlat ? "\(shape.featureCount) inputs" : "inputs \(shape.exampleShape)"
    reader.report(
      model.layersNode, key: "model.layers",
      "the network has \(found) for \(inputs), more than the limit of \(limit); use fewer or narrower layers"
    )
  }

  /// The batches an epoch trains must suit the model: batch norm cannot train on one value per
  /// channel (PyTorch refuses to), so a batch of one example is refused where a batch norm
  /// layer would see one value per channel; and `drop_last` must leave a batch to train.
  private mutating func checkBatches(
    _ model: DecodedModel, training: DecodedTraining, data: DataSettings, shape: DataShape
  ) {
    let rows = shape.trainingRows(validation: data.validation)
    let size = training.batchSize
    guard rows > 0 else { return }
    if training.dropLast && rows < size, let location = training.dropLastLocation {
      reader.report(
        location, key: "training.drop_last",
        "the \(rows) training examples do not fill one batch of \(size), and drop_last leaves out the rest, so nothing would train; lower training.batch_size or set drop_last: false"
      )
      return
    }
    let last = rows % size == 0 || training.dropLast ? min(size, rows) : rows % size
    guard min(size, rows, last) == 1, let layers = try? model.spec.plan(for: shape.exampleShape)
    else { return }
    // The first layer, at any depth, that takes statistics over one value per channel.
    typealias Path = [LayerShapeError.Step]
    func find(_ layer: any PlannedLayer, _ path: Path) -> Path? {
      if layer.valuesPerChannel == 1 { return path }
      for sublayer in layer.sublayers {
        if let found = find(sublayer.planned, path + [sublayer.step]) { return found }
      }
      return nil
    }
    var found: (index: Int, path: Path)?
    for (index, layer) in layers.enumerated() where found == nil {
      found = find(layer, []).map { (index, $0) }
    }
    guard let (index, path) = found else { return }
    let origin = model.origins[index].locate(path)
    let layer = path.last == .shortcut ? "the projection shortcut's batch_norm" : "batch_norm"
    let problem = "\(layer) needs more than one value per channel to train"
    if size == 1 {
      reader.report(
        origin.node, key: origin.key,
        "\(problem), but training.batch_size 1 gives it one; use a batch size of at least 2")
    } else if rows == 1 {
      reader.report(
        origin.node, key: origin.key,
        "\(problem), but the training data holds 1 example; use more data, or a smaller data.validation"
      )
    } else {
      reader.report(
        origin.node, key: origin.key,
        "\(problem), but the last batch of each epoch holds 1 example (\(rows) training examples in batches of \(size)); set training.drop_last: true to leave it out, or choose another batch size"
      )
    }
  }

  /// Reports a last dense layer whose width is not `expected`.
  private mutating func checkWidth(_ model: DecodedModel, expected: Int, _ reason: String) {
    guard let output = model.output, output.units != expected else { return }
    let outputs = expected == 1 ? "1 output" : "\(expected) outputs"
    reader.report(
      output.node, key: output.key, "expected \(outputs) \(reason), found \(output.units)")
  }

  /// Early stopping must watch a metric the run measures.
  mutating func checkEarlyStopping(_ training: DecodedTraining, loss: Loss, data: DataSettings) {
    guard let stopping = training.earlyStopping else { return }
    let metric = stopping.settings.metric
    let key = "training.early_stopping.metric"
    if let classification = metric.classification, classification != loss.isClassification {
      let kind = loss.isClassification ? "trains a classifier" : "trains a regression"
      let usable = RunMetric.allCases.filter {
        ($0.classification ?? loss.isClassification) == loss.isClassification
      }
      reader.report(
        stopping.metricLocation, key: key,
        "\(metric.rawValue) does not apply: \(loss.name) \(kind); expected one of \(usable.map(\.rawValue).joined(separator: ", "))"
      )
    } else if metric.needsValidation, data.validation == 0 {
      reader.report(
        stopping.metricLocation, key: key,
        "\(metric.rawValue) needs a validation set; set data.validation above 0 or watch train_loss"
      )
    }
  }
}
