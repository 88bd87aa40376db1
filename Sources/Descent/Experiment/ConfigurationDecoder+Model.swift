import Foundation

/// A decoded `model` section, with where its output layer was written.
struct DecodedModel {
  struct OutputLayer {
    var units: Int
    /// Its dotted key, `model.layers.2.dense`.
    var key: String
    var node: SourceNode
  }

  /// Where a layer of the spec was written: its entry's kind key and value (a dense entry with
  /// an activation gives two layers, both written there).
  struct LayerOrigin {
    var key: String
    var node: SourceNode
  }

  var spec: ModelSpec
  /// `model.layers`, for messages about the network as a whole.
  var layersNode: SourceNode
  /// For each layer of `spec`, where it was written.
  var origins: [LayerOrigin]
  /// The last dense layer, whose width is the network's output width.
  var output: OutputLayer?
  var initFrom: String?
}

extension ConfigurationDecoder {
  static let modelKeys = ["layers", "init", "init_from"]
  static let layerExample = "{dense: 64, activation: relu}, {activation: relu} or {dropout: 0.1}"

  /// `model: {layers, init, init_from}`.
  mutating func decodeModel(_ top: Fields) -> DecodedModel? {
    guard let node = reader.require(top, "model", expected: "a mapping with layers"),
      let fields = reader.fields(
        of: node, path: "model", keys: Self.modelKeys, location: top.keyLocation(of: "model"))
    else { return nil }
    var initializer = Initializer.heNormal
    reader.read(&initializer, fields, "init")
    var initFrom: String?
    if let node = fields["init_from"] { initFrom = decodeInitFrom(node) }
    guard let layersNode = reader.require(fields, "layers", expected: "a list of layers"),
      let model = decodeLayers(layersNode)
    else { return nil }
    return DecodedModel(
      spec: ModelSpec(layers: model.layers, initializer: initializer), layersNode: layersNode,
      origins: model.origins, output: model.output, initFrom: initFrom)
  }

  /// The layers in order, `{dense: N, activation: A}` giving two.
  private mutating func decodeLayers(
    _ node: SourceNode
  ) -> (layers: [Layer], origins: [DecodedModel.LayerOrigin], output: DecodedModel.OutputLayer)? {
    let expected = "a list of layers such as \(Self.layerExample)"
    guard let items = reader.list(node, key: "model.layers", expected: expected) else { return nil }
    var layers: [Layer] = []
    var origins: [DecodedModel.LayerOrigin] = []
    var output: DecodedModel.OutputLayer?
    var valid = true
    for (index, item) in items.enumerated() {
      let path = "model.layers.\(index)"
      guard let entry = decodeLayer(item, path: path) else {
        valid = false
        continue
      }
      if let dense = entry.layers.first?.kind as? Dense {
        output = .init(units: dense.units, key: entry.origin.key, node: entry.origin.node)
      }
      layers += entry.layers
      origins += Array(repeating: entry.origin, count: entry.layers.count)
    }
    guard valid else { return nil }
    guard let output else {
      reader.report(node, key: "model.layers", "expected at least one dense layer, found none")
      return nil
    }
    return (layers, origins, output)
  }

  /// One entry of `layers`: a kind of `LayerSchema.all` written `{kind: size, option: ...}`
  /// (or bare, for a kind without a size), with an `activation:` where the kind takes one; or
  /// an activation on its own.
  private mutating func decodeLayer(
    _ node: SourceNode, path: String
  ) -> (layers: [Layer], origin: DecodedModel.LayerOrigin)? {
    if let text = node.scalarText, !node.isNull {
      guard let schema = LayerSchema.named(text), schema.bare else {
        reader.mismatch(node, key: path, expected: "a layer such as \(Self.layerExample)")
        return nil
      }
      let entry = LayerEntry(
        path: path, value: .scalar("null", at: node.location),
        fields: Fields(path: path, location: node.location, entries: []), name: text)
      return schema.decode(&reader, entry).map {
        ([Layer($0)], .init(key: path, node: node))
      }
    }
    guard let entries = node.entries else {
      reader.mismatch(node, key: path, expected: "a layer such as \(Self.layerExample)")
      return nil
    }
    let kinds = entries.filter { LayerSchema.named($0.key) != nil }
    if kinds.count > 1 {
      let second = kinds[1]
      reader.report(
        second.keyLocation, key: path + "." + second.key,
        "a \(second.key) is a layer of its own; give it its own entry")
      return nil
    }
    guard let kindEntry = kinds.first, let schema = LayerSchema.named(kindEntry.key) else {
      return decodeActivationEntry(node, path: path)
    }
    let count = reader.problems.count
    let keys = [schema.name] + schema.options
    if !schema.takesActivation, let activation = entries.first(where: { $0.key == "activation" }) {
      reader.report(
        activation.keyLocation, key: path + ".activation",
        "\(schema.name) takes no activation; give the activation its own entry, {activation: relu}")
    }
    // An activation the kind does not take was reported above, not as an unknown key.
    guard let fields = reader.fields(of: node, path: path, keys: keys + ["activation"]) else {
      return nil
    }
    let value = kindEntry.value
    if schema.bare && !value.isNull && value.entries?.isEmpty != true {
      reader.report(
        value, key: path + "." + schema.name,
        "\(schema.name) takes no value; write it bare, - \(schema.name)")
      return nil
    }
    let entry = LayerEntry(path: path, value: value, fields: fields, name: schema.name)
    let kind = schema.decode(&reader, entry)
    var layers = kind.map { [Layer($0)] } ?? []
    if schema.takesActivation, let activation = fields["activation"],
      let decoded = decodeActivation(activation, key: path + ".activation")
    {
      layers.append(.activation(decoded))
    }
    guard reader.problems.count == count, kind != nil else { return nil }
    return (layers, .init(key: entry.key, node: value))
  }

  /// `{activation: A}`, the entry of an activation layer; anything else is an unknown key.
  private mutating func decodeActivationEntry(
    _ node: SourceNode, path: String
  ) -> (layers: [Layer], origin: DecodedModel.LayerOrigin)? {
    let keys = LayerSchema.all.map(\.name) + ["activation"]
    let count = reader.problems.count
    guard let fields = reader.fields(of: node, path: path, keys: keys) else { return nil }
    guard let activation = fields["activation"] else {
      // Keys that are all unknown have been reported already.
      if reader.problems.count == count {
        reader.mismatch(node, key: path, expected: "a layer such as \(Self.layerExample)")
      }
      return nil
    }
    guard let decoded = decodeActivation(activation, key: path + ".activation") else {
      return nil
    }
    return ([.activation(decoded)], .init(key: path + ".activation", node: activation))
  }

  /// `relu`, or `{leaky_relu: {slope: 0.1}}` for an activation with parameters.
  mutating func decodeActivation(_ node: SourceNode, key: String) -> Activation? {
    if node.scalarText != nil, !node.isNull {
      return reader.name(node, key: key, in: Activation.names).flatMap(Activation.init(name:))
    }
    guard let entries = node.entries, entries.count == 1, let entry = entries.first else {
      reader.mismatch(
        node, key: key,
        expected:
          "an activation (\(Activation.names.joined(separator: ", "))) or a mapping such as {leaky_relu: {slope: 0.1}}"
      )
      return nil
    }
    let nameNode = SourceNode.scalar(entry.key, at: entry.keyLocation)
    guard let name = reader.name(nameNode, key: key, in: Activation.names),
      var activation = Activation(name: name)
    else { return nil }
    let parameters = activation.parameters.map(\.name)
    let path = key + "." + name
    if parameters.isEmpty && !entry.value.isNull && entry.value.entries?.isEmpty != true {
      reader.report(entry.value, key: path, "\(name) takes no parameters")
      return nil
    }
    guard let fields = reader.fields(of: entry.value, path: path, keys: parameters) else {
      return nil
    }
    for parameter in parameters {
      guard let value = fields[parameter] else { continue }
      let rule = Activation.parameterRule(parameter)
      if let number = reader.number(value, key: fields.path(of: parameter), rule) {
        activation = activation.setting(parameter, to: number)
      }
    }
    return activation
  }

  /// The absolute path of `init_from`, which must name an existing file; null means none.
  private mutating func decodeInitFrom(_ node: SourceNode) -> String? {
    guard !node.isNull, let path = reader.string(node, key: "model.init_from") else { return nil }
    let base = URL(fileURLWithPath: baseDirectory, isDirectory: true)
    let resolved = URL(fileURLWithPath: path, relativeTo: base).standardizedFileURL.path
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isFolder) else {
      reader.report(node, key: "model.init_from", "no such file: \(resolved)")
      return nil
    }
    guard !isFolder.boolValue else {
      reader.report(
        node, key: "model.init_from", "expected a safetensors file, found a folder: \(resolved)")
      return nil
    }
    return resolved
  }
}
