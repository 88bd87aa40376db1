import DescentEngine

extension DataSource {
  /// The source as a resolved file writes it, every setting given: `iris`,
  /// `{csv: data/wine.csv, target: cultivar, ...}`. Paths are written as the experiment wrote
  /// them, so that the text, and the configuration hash, do not depend on where the files are.
  var resolvedText: String {
    switch self {
    case .builtin(let dataset):
      return dataset.rawValue
    case .csv(let csv):
      let features = csv.features.map(Self.list) ?? "null"
      return
        "{csv: \(Self.scalar(csv.file.path)), target: \(Self.scalar(csv.target)), features: \(features), drop: \(Self.list(csv.drop)), task: \(csv.task.rawValue), drop_invalid_rows: \(csv.dropInvalidRows), test: \(csv.test.map { Self.scalar($0.path) } ?? "null")}"
    case .idx(let idx):
      return "{idx: \(Self.pair(idx.training)), test: \(idx.test.map(Self.pair) ?? "null")}"
    case .synthetic(let synthetic):
      let generator = synthetic.generator
      var text = "{synthetic: \(generator.rawValue), samples: \(synthetic.samples)"
      if generator.takesClasses { text += ", classes: \(synthetic.classes)" }
      text += ", noise: \(YAMLScalar.format(synthetic.noise))"
      if generator.takesDimension { text += ", dimension: \(synthetic.dimension)" }
      return text + "}"
    }
  }

  private static func scalar(_ text: String) -> String {
    YAMLScalar.needsQuotes(text) ? YAMLScalar.doubleQuoted(text) : text
  }

  private static func list(_ items: [String]) -> String {
    "[" + items.map(scalar).joined(separator: ", ") + "]"
  }

  private static func pair(_ pair: IDXSource.Pair) -> String {
    "{images: \(scalar(pair.images.path)), labels: \(scalar(pair.labels.path))}"
  }
}
