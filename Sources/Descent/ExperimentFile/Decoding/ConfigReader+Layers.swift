import DescentEngine

/// A list of layers as a file writes it (`model.layers`, or the body of a residual block), with
/// where each layer was written.
struct DecodedLayers {
  struct OutputLayer {
    var units: Int
    /// Its dotted key, `model.layers.2.dense`.
    var key: String
    var node: YAMLNode
  }

  /// Where a layer was written: its entry's kind key and value (a dense entry with an
  /// activation gives two layers, both written there); for a block, where its own layers were.
  struct Origin {
    var key: String
    var node: YAMLNode
    /// Where each layer of a block's body was written.
    var body: [Origin] = []
    /// Where a block's shortcut was chosen, if the entry chose it.
    var shortcut: (key: String, node: YAMLNode)?

    /// Where the sublayer that `path` leads to was written: for a layer of the body, its own
    /// entry; for the shortcut, which the file does not write out, the `shortcut:` key.
    func locate(_ path: some Collection<LayerShapeError.Step>) -> (key: String, node: YAMLNode) {
      switch path.first {
      case .body(let index)? where body.indices.contains(index):
        return body[index].locate(path.dropFirst())
      case .shortcut?:
        return shortcut ?? (key, node)
      default:
        return (key, node)
      }
    }
  }

  var layers: [Layer]
  /// For each layer, where it was written.
  var origins: [Origin]
  /// The last dense layer, whose width is the width of the layers' output.
  var output: OutputLayer?
}

extension ConfigReader {
  static let layerExample = "{dense: 64, activation: relu}, {activation: relu} or {dropout: 0.1}"

  /// The layers in order, `{dense: N, activation: A}` giving two; `nil` when any is wrong (each
  /// problem is reported).
  ///
  /// - Parameters:
  ///   - path: the list's dotted key, `model.layers`.
  ///   - depth: how many blocks the list is inside (0 for `model.layers`).
  mutating func layers(_ node: YAMLNode, path: String, depth: Int = 0) -> DecodedLayers? {
    let expected = "a list of layers such as \(Self.layerExample)"
    guard let items = list(node, key: path, expected: expected) else { return nil }
    var decoded = DecodedLayers(layers: [], origins: [])
    var valid = true
    for (index, item) in items.enumerated() {
      guard let entry = layer(item, path: "\(path).\(index)", depth: depth) else {
        valid = false
        continue
      }
      if let dense = entry.layers.first?.kind as? Dense {
        decoded.output = .init(units: dense.units, key: entry.origin.key, node: entry.origin.node)
      } else if let output = entry.output {
        decoded.output = output
      }
      decoded.layers += entry.layers
      decoded.origins += Array(repeating: entry.origin, count: entry.layers.count)
    }
    return valid ? decoded : nil
  }

  /// One entry of a list of layers: a kind of `LayerSchema.all` written `{kind: size, option:
  /// ...}`, or bare (with its settings as its value, `{batch_norm: {momentum: 0.1}}`) for a kind
  /// without a size, with an `activation:` where the kind takes one; or an activation on its
  /// own.
  private mutating func layer(
    _ node: YAMLNode, path: String, depth: Int
  ) -> (layers: [Layer], origin: DecodedLayers.Origin, output: DecodedLayers.OutputLayer?)? {
    if let text = node.scalarText, !node.isNull {
      guard let schema = LayerSchema.named(text), schema.bare else {
        mismatch(node, key: path, expected: "a layer such as \(Self.layerExample)")
        return nil
      }
      let entry = LayerEntry(
        path: path, value: .scalar("null", at: node.location),
        fields: Fields(path: path, location: node.location, entries: []), name: text, depth: depth)
      return schema.decode(&self, entry).map {
        ([Layer($0.kind)], .init(key: path, node: node), nil)
      }
    }
    guard let entries = node.entries else {
      mismatch(node, key: path, expected: "a layer such as \(Self.layerExample)")
      return nil
    }
    let kinds = entries.filter { LayerSchema.named($0.key) != nil }
    if kinds.count > 1 {
      let second = kinds[1]
      report(
        second.keyLocation, key: path + "." + second.key,
        "a \(second.key) is a layer of its own; give it its own entry")
      return nil
    }
    guard let kindEntry = kinds.first, let schema = LayerSchema.named(kindEntry.key) else {
      return activationEntry(node, path: path)
    }
    let count = problems.count
    let keys = [schema.name] + schema.options
    if !schema.takesActivation, let activation = entries.first(where: { $0.key == "activation" }) {
      report(
        activation.keyLocation, key: path + ".activation",
        "\(schema.name) takes no activation; give the activation its own entry, {activation: relu}")
    }
    // An activation the kind does not take was reported above, not as an unknown key.
    guard let fields = fields(of: node, path: path, keys: keys + ["activation"]) else {
      return nil
    }
    let value = kindEntry.value
    if schema.bare && !value.isNull && value.entries?.isEmpty != true {
      if schema.settings.isEmpty {
        report(
          value, key: path + "." + schema.name,
          "\(schema.name) takes no value; write it bare, - \(schema.name)")
        return nil
      }
      if value.entries == nil {
        report(
          value, key: path + "." + schema.name,
          "\(schema.name) takes no size; write it bare, - \(schema.name), or with its settings, \(schema.settingsExample)"
        )
        return nil
      }
    }
    let entry = LayerEntry(
      path: path, value: value, fields: fields, name: schema.name, depth: depth)
    let decoded = schema.decode(&self, entry)
    var layers = decoded.map { [Layer($0.kind)] } ?? []
    if schema.takesActivation, let activation = fields["activation"],
      let kind = self.activation(activation, key: path + ".activation")
    {
      layers.append(.activation(kind))
    }
    guard problems.count == count, let decoded else { return nil }
    var origin = DecodedLayers.Origin(key: entry.key, node: value, body: decoded.body)
    origin.shortcut = entry.option("shortcut").map { ($0.key, $0.node) }
    return (layers, origin, decoded.output)
  }

  /// `{activation: A}`, the entry of an activation layer; anything else is an unknown key.
  private mutating func activationEntry(
    _ node: YAMLNode, path: String
  ) -> (layers: [Layer], origin: DecodedLayers.Origin, output: DecodedLayers.OutputLayer?)? {
    let keys = LayerSchema.all.map(\.name) + ["activation"]
    let count = problems.count
    guard let fields = fields(of: node, path: path, keys: keys) else { return nil }
    guard let node = fields["activation"] else {
      // Keys that are all unknown have been reported already.
      if problems.count == count {
        mismatch(node, key: path, expected: "a layer such as \(Self.layerExample)")
      }
      return nil
    }
    guard let decoded = activation(node, key: path + ".activation") else { return nil }
    return ([.activation(decoded)], .init(key: path + ".activation", node: node), nil)
  }

  /// `relu`, or `{leaky_relu: {slope: 0.1}}` for an activation with parameters.
  mutating func activation(_ node: YAMLNode, key: String) -> Activation? {
    if node.scalarText != nil, !node.isNull {
      return name(node, key: key, in: Activation.names).flatMap(Activation.init(name:))
    }
    guard let entries = node.entries, entries.count == 1, let entry = entries.first else {
      mismatch(
        node, key: key,
        expected:
          "an activation (\(Activation.names.joined(separator: ", "))) or a mapping such as {leaky_relu: {slope: 0.1}}"
      )
      return nil
    }
    let nameNode = YAMLNode.scalar(entry.key, at: entry.keyLocation)
    guard let name = name(nameNode, key: key, in: Activation.names),
      var activation = Activation(name: name)
    else { return nil }
    let parameters = activation.parameters.map(\.name)
    let path = key + "." + name
    if parameters.isEmpty && !entry.value.isNull && entry.value.entries?.isEmpty != true {
      report(entry.value, key: path, "\(name) takes no parameters")
      return nil
    }
    guard let fields = fields(of: entry.value, path: path, keys: parameters) else {
      return nil
    }
    for parameter in parameters {
      guard let value = fields[parameter] else { continue }
      let rule = Activation.parameterRule(parameter)
      if let number = number(value, key: fields.path(of: parameter), rule) {
        activation = activation.setting(parameter, to: number)
      }
    }
    return activation
  }
}
