extension ConfigurationDecoder {
  static let dataKeys = ["source", "validation", "normalize", "seed"]

  /// `data: {source, validation, normalize, seed}`.
  mutating func decodeData(_ top: Fields, baseSeed: UInt64) -> DataSettings? {
    let sources = BuiltinDataset.allCases.map(\.rawValue)
    let expected = "a mapping with a source (\(sources.joined(separator: ", ")))"
    guard let node = reader.require(top, "data", expected: expected),
      let fields = reader.fields(
        of: node, path: "data", keys: Self.dataKeys, location: top.keyLocation(of: "data"))
    else { return nil }
    let sourceNode = reader.require(
      fields, "source", expected: "one of \(sources.joined(separator: ", "))")
    let dataset = sourceNode.flatMap { reader.choice($0, key: "data.source", BuiltinDataset.self) }
    var settings = DataSettings(source: .builtin(dataset ?? .digits), seed: baseSeed)
    reader.read(&settings.validation, fields, "validation", .fraction)
    reader.read(&settings.normalize, fields, "normalize")
    if let seed = fields["seed"] {
      settings.seed = reader.seed(seed, key: "data.seed") ?? settings.seed
    }
    return dataset == nil ? nil : settings
  }
}
