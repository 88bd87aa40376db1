import DescentEngine

/// A decoded `loss`, with where it was written.
struct DecodedLoss {
  var loss: Loss
  var node: YAMLNode
}

extension ConfigurationDecoder {
  /// `loss:`, declared once; defaults are PyTorch's.
  static let lossSection = SettingsSection<Loss>(
    name: "loss",
    variantKey: SchemaKey(
      "name", .choice(Loss.names), required: true, placeholder: "<required>",
      doc: "cross_entropy on classes, bce on two, mse or huber on regression targets"),
    settings: [
      KeyBinding(
        key: SchemaKey(
          "label_smoothing", .number(.fraction), appliesTo: ["cross_entropy"], doc: ""),
        decode: { reader, node, key, loss in
          if let value = reader.number(node, key: key, .fraction) {
            loss = .crossEntropy(labelSmoothing: value)
          }
        },
        resolve: {
          guard case .crossEntropy(let smoothing) = $0 else { return nil }
          return YAMLScalar.format(smoothing)
        }),
      KeyBinding(
        key: SchemaKey("delta", .number(.positive), appliesTo: ["huber"], doc: ""),
        decode: { reader, node, key, loss in
          if let value = reader.number(node, key: key, .positive) { loss = .huber(delta: value) }
        },
        resolve: {
          guard case .huber(let delta) = $0 else { return nil }
          return YAMLScalar.format(delta)
        }),
    ],
    defaults: { name in name.flatMap(Loss.init(name:)) ?? .meanSquaredError })

  /// `loss: cross_entropy`, or `{name: cross_entropy, label_smoothing: 0.1}`,
  /// `{name: huber, delta: 1.0}`.
  mutating func decodeLoss(_ top: Fields) -> DecodedLoss? {
    let section = Self.lossSection
    let names = "one of \(Loss.names.joined(separator: ", "))"
    guard let written = reader.require(top, "loss", expected: names),
      let fields = reader.fields(
        of: Self.expandingName(written), path: "loss", keys: section.keyNames,
        location: top.keyLocation(of: "loss"))
    else { return nil }
    guard let nameNode = reader.require(fields, "name", expected: names),
      let name = reader.name(nameNode, key: "loss.name", in: Loss.names),
      var loss = Loss(name: name)
    else { return nil }
    section.decode(fields, variant: name, into: &loss, reader: &reader)
    return DecodedLoss(loss: loss, node: written)
  }
}
