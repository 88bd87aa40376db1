import Foundation

/// A decoded `model` section, with where its output layer was written.
struct DecodedModel {
  struct OutputLayer {
    var units: Int
    /// Its dotted key, `model.layers.2.dense`.
    var key: String
    var node: SourceNode
  }

  var spec: ModelSpec
  /// `model.layers`, for messages about the network as a whole.
  var layersNode: SourceNode
  /// The last dense layer, whose width is the network's output width.
  var output: OutputLayer?
  var initFrom: String?
}

extension ConfigurationDecoder {
  static let modelKeys = ["layers", "init", "init_from"]
  static let layerKeys = ["dense", "activation", "dropout"]
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
      output: model.output, initFrom: initFrom)
  }

  /// The layers in order, `{dense: N, activation: A}` giving two.
  private mutating func decodeLayers(
    _ node: SourceNode
  ) -> (layers: [Layer], output: DecodedModel.OutputLayer)? {
    let expected = "a list of layers such as \(Self.layerExample)"
    guard let items = reader.list(node, key: "model.layers", expected: expected) else { return nil }
    var layers: [Layer] = []
    var output: DecodedModel.OutputLayer?
    var valid = true
    for (index, item) in items.enumerated() {
      let path = "model.layers.\(index)"
      guard let entry = decodeLayer(item, path: path) else {
        valid = false
        continue
      }
      if case .dense(let units) = entry.first, let node = item["dense"] {
        output = .init(units: units, key: path + ".dense", node: node)
      }
      layers += entry
    }
    guard valid else { return nil }
    guard let output else {
      reader.report(node, key: "model.layers", "expected at least one dense layer, found none")
      return nil
    }
    return (layers, output)
  }

  /// One entry of `layers`: a dense layer with an optional activation, an activation, or a
  /// dropout.
  private mutating func decodeLayer(_ node: SourceNode, path: String) -> [Layer]? {
    guard node.entries != nil else {
      reader.mismatch(node, key: path, expected: "a layer such as \(Self.layerExample)")
      return nil
    }
    guard let fields = reader.fields(of: node, path: path, keys: Self.layerKeys) else { return nil }
    let count = reader.problems.count
    var layers: [Layer] = []
    switch (fields["dense"], fields["dropout"], fields["activation"]) {
    case (let dense?, nil, let activation):
      if let units = reader.integer(dense, key: path + ".dense", .positive) {
        layers.append(.dense(units: units))
      }
      if let activation, let decoded = decodeActivation(activation, key: path + ".activation") {
        layers.append(.activation(decoded))
      }
    case (nil, let dropout?, nil):
      if let rate = reader.number(dropout, key: path + ".dropout", .fraction) {
        layers.append(.dropout(rate: rate))
      }
    case (nil, nil, let activation?):
      if let decoded = decodeActivation(activation, key: path + ".activation") {
        layers.append(.activation(decoded))
      }
    case (_, _?, _):
      reader.report(
        fields.keyLocation(of: "dropout"), key: path + ".dropout",
        "a dropout is a layer of its own; give it its own entry")
    case (nil, nil, nil):
      // Keys that are all unknown have been reported already.
      if fields.entries.isEmpty && node.entries?.isEmpty == true {
        reader.mismatch(node, key: path, expected: "a layer such as \(Self.layerExample)")
      }
      return nil
    }
    return reader.problems.count == count ? layers : nil
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
