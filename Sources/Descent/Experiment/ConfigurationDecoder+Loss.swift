/// A decoded `loss`, with where it was written.
struct DecodedLoss {
  var loss: Loss
  var node: SourceNode
}

extension ConfigurationDecoder {
  static let lossKeys = ["name", "label_smoothing", "delta"]
  static let lossApplicability: KeyValuePairs<String, [String]> = [
    "label_smoothing": ["cross_entropy"],
    "delta": ["huber"],
  ]

  /// `loss: cross_entropy`, or `{name: cross_entropy, label_smoothing: 0.1}`,
  /// `{name: huber, delta: 1.0}`.
  mutating func decodeLoss(_ top: Fields) -> DecodedLoss? {
    let names = "one of \(Loss.names.joined(separator: ", "))"
    guard let written = reader.require(top, "loss", expected: names),
      let fields = reader.fields(
        of: Self.expandingName(written), path: "loss", keys: Self.lossKeys,
        location: top.keyLocation(of: "loss"))
    else { return nil }
    guard let nameNode = reader.require(fields, "name", expected: names),
      let name = reader.name(nameNode, key: "loss.name", in: Loss.names),
      var loss = Loss(name: name)
    else { return nil }
    let applicable = reader.applicable(fields, Self.lossApplicability, chosen: name)
    if case .crossEntropy(var smoothing) = loss {
      reader.read(&smoothing, applicable, "label_smoothing", .fraction)
      loss = .crossEntropy(labelSmoothing: smoothing)
    }
    if case .huber(var delta) = loss {
      reader.read(&delta, applicable, "delta", .positive)
      loss = .huber(delta: delta)
    }
    return DecodedLoss(loss: loss, node: written)
  }
}
