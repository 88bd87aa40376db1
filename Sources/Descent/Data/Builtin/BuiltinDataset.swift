/// The data sets compiled into Descent, so that an experiment runs with no download.
/// Sources and licences are in docs/datasets.md.
public enum BuiltinDataset: String, Sendable, CaseIterable {
  /// 1797 8x8 images of handwritten digits, 64 features with values 0-16, classes 0-9.
  case digits
  /// 150 iris flowers, 4 measurements in cm, 3 species.
  case iris

  /// The names of the classes in index order.
  public var classNames: [String] {
    switch self {
    case .digits: (0...9).map(String.init)
    case .iris: ["setosa", "versicolor", "virginica"]
    }
  }

  /// The data set's examples, in the order of its file.
  public func load() -> Dataset {
    switch self {
    case .digits: Self.parse(Self.digitsCSV, classNames: classNames)
    case .iris: Self.parse(Self.irisCSV, classNames: classNames)
    }
  }

  /// Reads the embedded, known-good CSV text: a header, numeric features, the class index last.
  private static func parse(_ text: String, classNames: [String]) -> Dataset {
    var lines = text.split(whereSeparator: \.isNewline)
    let header = lines.removeFirst().split(separator: ",").map(String.init)
    var features: [Float] = []
    var targets: [Float] = []
    for line in lines {
      let fields = line.split(separator: ",")
      for field in fields.dropLast() { features.append(Float(field)!) }
      targets.append(Float(fields.last!)!)
    }
    return Dataset(
      features: features, targets: targets, featureCount: header.count - 1, targetWidth: 1,
      featureNames: Array(header.dropLast()), classNames: classNames)
  }
}
