import DescentEngine

extension ConfigurationDecoder {
  static let csvKeys = ExperimentSchema.csv.map(\.name)
  static let idxKeys = ExperimentSchema.idx.map(\.name)
  static let idxPairKeys = ExperimentSchema.idxPair.map(\.name)
  static let syntheticKeys = ExperimentSchema.synthetic.map(\.name)

  // MARK: CSV

  /// `{csv: FILE, target: COLUMN, features: [...] | drop: [...], task, drop_invalid_rows,
  /// test: FILE}`, with every column name checked against the file's header.
  mutating func decodeCSV(_ node: YAMLNode) -> (source: CSVSource, taskGiven: Bool)? {
    guard let fields = reader.fields(of: node, path: "data.source", keys: Self.csvKeys) else {
      return nil
    }
    let count = reader.problems.count
    let file = fields["csv"].flatMap { decodeDataFile($0, key: "data.source.csv") }
    let targetNode = reader.require(fields, "target", expected: "the name of the target column")
    let target = targetNode.flatMap { reader.string($0, key: "data.source.target") }
    let featureItems = fields["features"].flatMap {
      decodeColumnList($0, key: "data.source.features")
    }
    let dropItems = fields["drop"].flatMap { decodeColumnList($0, key: "data.source.drop") }
    if featureItems != nil, dropItems != nil {
      reader.report(
        fields.keyLocation(of: "drop"), key: "data.source.drop",
        "give features or drop, not both: features lists every feature column")
    }
    var task = CSVSource.Task.classification
    reader.read(&task, fields, "task")
    var dropInvalidRows = false
    reader.read(&dropInvalidRows, fields, "drop_invalid_rows")
    var test: DataFile?
    if let node = fields["test"], !node.isNull {
      test = decodeDataFile(node, key: "data.source.test")
    }
    guard reader.problems.count == count, let file, let target, let targetNode else { return nil }
    let source = CSVSource(
      file: file, target: target, features: featureItems?.map(\.name),
      drop: dropItems?.map(\.name) ?? [], task: task, dropInvalidRows: dropInvalidRows,
      test: test)
    let columnsValid = checkColumns(
      source, targetNode: targetNode, features: featureItems, drop: dropItems,
      featuresNode: fields["features"], dropNode: fields["drop"])
    return columnsValid ? (source, fields["task"] != nil) : nil
  }

  /// A list of column names, each with where it is written.
  private mutating func decodeColumnList(
    _ node: YAMLNode, key: String
  ) -> [(name: String, node: YAMLNode)]? {
    guard
      let items = reader.list(node, key: key, expected: "a list of column names such as [a, b]")
    else { return nil }
    var names: [(name: String, node: YAMLNode)] = []
    for (index, item) in items.enumerated() {
      guard let name = reader.string(item, key: "\(key).\(index)") else { return nil }
      if let first = names.firstIndex(where: { $0.name == name }) {
        reader.report(
          item, key: "\(key).\(index)", "\(name) is listed twice (first at \(key).\(first))")
        return nil
      }
      names.append((name, item))
    }
    return names
  }

  /// Checks the target, features and dropped columns against the file's header; false when a
  /// problem was reported.
  private mutating func checkColumns(
    _ source: CSVSource, targetNode: YAMLNode,
    features: [(name: String, node: YAMLNode)]?, drop: [(name: String, node: YAMLNode)]?,
    featuresNode: YAMLNode?, dropNode: YAMLNode?
  ) -> Bool {
    let header: [String]
    switch inspector.header(of: source.file) {
    case .success(let names):
      header = names
    case .failure(let problems):
      for problem in problems.problems { reader.report(problem) }
      return false
    }
    let count = reader.problems.count
    checkColumn(source.target, node: targetNode, key: "data.source.target", in: header, of: source)
    for (index, feature) in (features ?? []).enumerated() {
      let key = "data.source.features.\(index)"
      if feature.name == source.target {
        reader.report(
          feature.node, key: key, "\(feature.name) is the target; it cannot be a feature too")
      } else {
        checkColumn(feature.name, node: feature.node, key: key, in: header, of: source)
      }
    }
    for (index, column) in (drop ?? []).enumerated() {
      checkColumn(
        column.name, node: column.node, key: "data.source.drop.\(index)", in: header, of: source)
    }
    guard reader.problems.count == count else { return false }
    if source.featureColumns(header: header).isEmpty {
      let node = featuresNode ?? dropNode ?? targetNode
      let key =
        featuresNode != nil
        ? "data.source.features" : dropNode != nil ? "data.source.drop" : "data.source.target"
      reader.report(
        node, key: key,
        "no feature columns are left; \(source.file.displayPath) has \(header.joined(separator: ", "))"
      )
      return false
    }
    return true
  }

  private mutating func checkColumn(
    _ name: String, node: YAMLNode, key: String, in header: [String], of source: CSVSource
  ) {
    guard !header.contains(name) else { return }
    var message = "no column \(YAMLScalar.doubleQuoted(name)) in \(source.file.displayPath)"
    if let suggestion = KeySuggestion.nearest(to: name, in: header) {
      message += "; did you mean '\(suggestion)'?"
    } else {
      message += "; the columns are \(header.joined(separator: ", "))"
    }
    reader.report(node, key: key, message)
  }

  // MARK: IDX

  /// `{idx: {images: FILE, labels: FILE}, test: {images: FILE, labels: FILE}}`.
  mutating func decodeIDX(_ node: YAMLNode) -> IDXSource? {
    guard let fields = reader.fields(of: node, path: "data.source", keys: Self.idxKeys) else {
      return nil
    }
    let training = fields["idx"].flatMap { decodeIDXPair($0, key: "data.source.idx") }
    var test: IDXSource.Pair?
    var testValid = true
    if let node = fields["test"], !node.isNull {
      test = decodeIDXPair(node, key: "data.source.test")
      testValid = test != nil
    }
    guard let training, testValid else { return nil }
    return IDXSource(training: training, test: test)
  }

  private mutating func decodeIDXPair(_ node: YAMLNode, key: String) -> IDXSource.Pair? {
    guard node.entries != nil else {
      reader.mismatch(node, key: key, expected: "a mapping {images: FILE, labels: FILE}")
      return nil
    }
    guard let fields = reader.fields(of: node, path: key, keys: Self.idxPairKeys) else {
      return nil
    }
    let images = reader.require(fields, "images", expected: "an IDX file of images (idx3-ubyte)")
      .flatMap { decodeDataFile($0, key: key + ".images") }
    let labels = reader.require(fields, "labels", expected: "an IDX file of labels (idx1-ubyte)")
      .flatMap { decodeDataFile($0, key: key + ".labels") }
    guard let images, let labels else { return nil }
    return IDXSource.Pair(images: images, labels: labels)
  }

  // MARK: Synthetic

  /// `{synthetic: NAME, samples, classes, noise, dimension}`.
  mutating func decodeSynthetic(_ node: YAMLNode) -> SyntheticSource? {
    guard let fields = reader.fields(of: node, path: "data.source", keys: Self.syntheticKeys),
      let nameNode = fields["synthetic"],
      let generator = reader.choice(nameNode, key: "data.source.synthetic", SyntheticGenerator.self)
    else { return nil }
    let count = reader.problems.count
    let applicable = reader.applicable(
      fields, ExperimentSchema.synthetic, chosen: generator.rawValue)
    var source = SyntheticSource(generator)
    reader.read(
      &source.samples, applicable, "samples",
      IntegerRule(minimum: 1, maximum: SyntheticSource.maximumSamples))
    reader.read(
      &source.classes, applicable, "classes",
      IntegerRule(minimum: 2, maximum: SyntheticSource.maximumClasses))
    reader.read(&source.noise, applicable, "noise", .nonNegative)
    reader.read(
      &source.dimension, applicable, "dimension",
      IntegerRule(minimum: generator.minimumDimension, maximum: SyntheticSource.maximumDimension))
    return reader.problems.count == count ? source : nil
  }
}
