import DescentEngine

/// A decoded `data` section, with where its source was written.
struct DecodedData {
  var settings: DataSettings
  /// The value of `data.source`, for messages about the data as a whole.
  var sourceNode: YAMLNode
  /// Whether a CSV source states its task, rather than leaving it to the loss.
  var taskGiven = false
  /// The value of `data.shape`, when given.
  var shapeNode: YAMLNode?
}

extension ConfigurationDecoder {
  static let dataKeys = ExperimentSchema.data.map(\.name)
  /// How messages list the forms `data.source` takes.
  static let sourceForms =
    "digits, iris, {csv: FILE, target: COLUMN}, {idx: {images: FILE, labels: FILE}} or {synthetic: NAME}"

  /// `data: {source, validation, normalize, seed}`.
  mutating func decodeData(_ top: Fields, baseSeed: UInt64) -> DecodedData? {
    let expected = "a mapping with a source (\(Self.sourceForms))"
    guard let node = reader.require(top, "data", expected: expected),
      let fields = reader.fields(
        of: node, path: "data", keys: Self.dataKeys, location: top.keyLocation(of: "data"))
    else { return nil }
    let sourceNode = reader.require(fields, "source", expected: Self.sourceForms)
    let source = sourceNode.flatMap { decodeSource($0) }
    var validation = 0.2
    reader.read(&validation, fields, "validation", .fraction)
    var normalize: Normalization?
    if let node = fields["normalize"] {
      normalize = reader.choice(node, key: "data.normalize", Normalization.self)
    }
    var seed = baseSeed
    if let node = fields["seed"] { seed = reader.seed(node, key: "data.seed") ?? seed }
    var shape: TensorShape?
    let shapeNode = fields["shape"].flatMap { $0.isNull ? nil : $0 }
    if let shapeNode { shape = decodeShape(shapeNode) }
    guard let source, let sourceNode, shapeNode == nil || shape != nil else { return nil }
    let settings = DataSettings(
      source: source.source, validation: validation, normalize: normalize, seed: seed,
      shape: shape)
    return DecodedData(
      settings: settings, sourceNode: sourceNode, taskGiven: source.taskGiven,
      shapeNode: shapeNode)
  }

  /// `[features]` or `[channels, height, width]`, each at least 1.
  private mutating func decodeShape(_ node: YAMLNode) -> TensorShape? {
    let expected = "a list such as [1, 8, 8] ([channels, height, width]) or [64] ([features])"
    guard let items = reader.list(node, key: "data.shape", expected: expected) else { return nil }
    guard items.count == 1 || items.count == 3 else {
      reader.report(
        node, key: "data.shape", "expected \(expected), found a list of \(items.count) values")
      return nil
    }
    var dimensions: [Int] = []
    for (index, item) in items.enumerated() {
      guard let value = reader.integer(item, key: "data.shape.\(index)", .positive) else {
        return nil
      }
      dimensions.append(value)
    }
    return TensorShape(dimensions)
  }

  /// A built-in set by name, or a mapping that names a CSV file, IDX files or a synthetic set.
  private mutating func decodeSource(_ node: YAMLNode) -> (source: DataSource, taskGiven: Bool)? {
    if node.entries == nil {
      return decodeBuiltin(node).map { (.builtin($0), false) }
    }
    let kinds = (node.entries ?? []).map(\.key).filter { ["csv", "idx", "synthetic"].contains($0) }
    switch kinds.first {
    case "csv" where kinds.count == 1:
      return decodeCSV(node).map { (.csv($0.source), $0.taskGiven) }
    case "idx" where kinds.count == 1:
      return decodeIDX(node).map { (.idx($0), false) }
    case "synthetic" where kinds.count == 1:
      return decodeSynthetic(node).map { (.synthetic($0), false) }
    case nil:
      let keys = Self.csvKeys + Self.idxKeys + Self.syntheticKeys
      let count = reader.problems.count
      _ = reader.fields(of: node, path: "data.source", keys: Array(Set(keys)).sorted())
      if reader.problems.count == count {
        reader.report(
          node, key: "data.source",
          "expected a mapping with one of csv, idx or synthetic, found \(node.foundDescription)")
      }
      return nil
    default:
      let second = node.entries?.first { $0.key == kinds[1] }
      reader.report(
        second?.keyLocation ?? node.location, key: "data.source.\(kinds[1])",
        "give one of csv, idx and synthetic, not both \(kinds[0]) and \(kinds[1])")
      return nil
    }
  }

  /// `digits` or `iris`, with a hint for a file name or a synthetic set written bare.
  private mutating func decodeBuiltin(_ node: YAMLNode) -> BuiltinDataset? {
    let names = BuiltinDataset.allCases.map(\.rawValue)
    guard let text = node.scalarText, !node.isNull else {
      reader.mismatch(node, key: "data.source", expected: Self.sourceForms)
      return nil
    }
    if let dataset = BuiltinDataset(rawValue: text) { return dataset }
    var message = "expected \(Self.sourceForms), found \(node.foundDescription)"
    if SyntheticGenerator(rawValue: text) != nil {
      message += "; a synthetic set is written {synthetic: \(text)}"
    } else if text.lowercased().hasSuffix(".csv") {
      message += "; a CSV file is written {csv: \(text), target: COLUMN}"
    } else if let suggestion = KeySuggestion.nearest(to: text, in: names) {
      message += "; did you mean '\(suggestion)'?"
    }
    reader.report(node, key: "data.source", message)
    return nil
  }

  /// A data file named by `node`, relative to the experiment file, which must exist.
  mutating func decodeDataFile(_ node: YAMLNode, key: String) -> DataFile? {
    guard let path = reader.string(node, key: key) else { return nil }
    let file = DataFile(path: path, experimentFile: self.file, baseDirectory: baseDirectory)
    guard file.exists else {
      reader.report(node, key: key, file.missingFileMessage)
      return nil
    }
    return file
  }

  /// Reads the source's data, once per load, and reports its problems; `nil` when it has any.
  ///
  /// A CSV source whose task is not stated takes it from the loss first.
  mutating func inspectData(_ data: inout DecodedData, loss: Loss) -> DataShape? {
    if case .csv(var csv) = data.settings.source, !data.taskGiven {
      csv.task = loss.isClassification ? .classification : .regression
      data.settings.source = .csv(csv)
    }
    switch inspector.shape(of: data.settings.source) {
    case .success(var shape):
      if let given = data.settings.shape, let node = data.shapeNode {
        let dimensions = given.dimensions.map(String.init).joined(separator: " x ")
        guard given.count == shape.featureCount else {
          reader.report(
            node, key: "data.shape",
            "\(dimensions) holds \(given.count) values, but each example of \(data.settings.source.name) has \(shape.featureCount) features"
          )
          return nil
        }
        shape.exampleShape = given
      }
      return shape
    case .failure(let problems):
      for problem in problems.problems { reader.report(problem) }
      return nil
    }
  }
}
