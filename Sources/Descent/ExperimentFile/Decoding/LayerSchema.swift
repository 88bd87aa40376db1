import DescentEngine

/// How one kind of layer is written in an experiment file: the key that names it (its value is
/// the kind's main size, `{conv2d: 32, ...}`, or a block's list of layers), the other keys it
/// takes, and how an entry becomes the kind. Adding a kind of layer adds one schema to
/// `LayerSchema.all`; the key reference and the JSON Schema describe it from here.
struct LayerSchema: Sendable {
  /// The key that names the kind, with what its value accepts and what the kind is.
  var key: SchemaKey
  var name: String { key.name }
  /// How the key reference shows an entry: `{conv2d: 32, kernel: 3, activation: relu}`.
  var example: String
  /// The other keys an entry of this kind takes, in the order `config.yaml` writes them.
  var optionKeys: [SchemaKey] = []
  var options: [String] { optionKeys.map(\.name) }
  /// Whether the entry takes `activation:`, the activation layer after it.
  var takesActivation = false
  /// Whether the kind has no size and is written bare: `- flatten`.
  var bare = false
  /// The keys of a bare kind's settings, given as its value: `{batch_norm: {momentum: 0.1}}`.
  var settingKeys: [SchemaKey] = []
  var settings: [String] { settingKeys.map(\.name) }
  /// Reads the kind from its entry, reporting each problem; `nil` when there is one.
  var decode: @Sendable (inout ConfigReader, LayerEntry) -> DecodedKind?

  init(
    _ key: SchemaKey, example: String, options: [SchemaKey] = [], takesActivation: Bool = false,
    bare: Bool = false, settings: [SchemaKey] = [],
    decode: @escaping @Sendable (inout ConfigReader, LayerEntry) -> (any LayerKind)?
  ) {
    self.init(
      key, example: example, options: options, takesActivation: takesActivation, bare: bare,
      settings: settings, block: { reader, entry in decode(&reader, entry).map { DecodedKind($0) } }
    )
  }

  /// A kind that holds layers of its own, whose origins it reports.
  init(
    _ key: SchemaKey, example: String, options: [SchemaKey] = [], takesActivation: Bool = false,
    bare: Bool = false, settings: [SchemaKey] = [],
    block decode: @escaping @Sendable (inout ConfigReader, LayerEntry) -> DecodedKind?
  ) {
    self.key = key
    self.example = example
    self.optionKeys = options
    self.takesActivation = takesActivation
    self.bare = bare
    self.settingKeys = settings
    self.decode = decode
  }

  /// `{batch_norm: {momentum: ..., eps: ...}}`, for messages.
  var settingsExample: String {
    "{\(name): {\(settings.map { "\($0): ..." }.joined(separator: ", "))}}"
  }
}

/// What a schema makes of an entry: the kind, and for a block, where its own layers were
/// written and its last dense layer.
struct DecodedKind {
  var kind: any LayerKind
  var body: [DecodedLayers.Origin] = []
  var output: DecodedLayers.OutputLayer?

  init(_ kind: any LayerKind) {
    self.kind = kind
  }
}

/// One entry of `model.layers` as a schema reads it.
struct LayerEntry {
  /// The entry's dotted path, `model.layers.3`.
  var path: String
  /// The value of the kind's key; null for a bare kind.
  var value: YAMLNode
  /// The entry's keys, checked against the schema's.
  var fields: Fields

  /// The dotted key of the kind's value, `model.layers.3.conv2d`.
  var key: String { path + "." + name }
  var name: String
  /// How many blocks the entry is inside: 0 in `model.layers`.
  var depth = 0

  /// The value of `option` and its dotted key, if given.
  func option(_ option: String) -> (node: YAMLNode, key: String)? {
    fields[option].map { ($0, fields.path(of: option)) }
  }
}

extension LayerSchema {
  /// Every kind of layer, in the order messages list them.
  static let all: [LayerSchema] = [
    dense, conv2d, maxPool2d, avgPool2d, globalAvgPool2d, flatten, dropout, batchNorm, layerNorm,
    residual,
  ]

  static func named(_ name: String) -> LayerSchema? { all.first { $0.name == name } }

  static let batchNormKeys = [
    SchemaKey("momentum", .number(.unitInterval), default: "0.1", doc: ""),
    SchemaKey("eps", .number(.positive), default: "1.0e-05", doc: ""),
  ]
  static let layerNormKeys = [SchemaKey("eps", .number(.positive), default: "1.0e-05", doc: "")]

  /// An integer for both axes, or `[height, width]`.
  static func pairKind(_ rule: IntegerRule) -> ValueKind {
    .oneOf([.integer(rule), .list(.integer(rule), count: 2)])
  }

  static let dense = LayerSchema(
    SchemaKey(
      "dense", .integer(.positive),
      doc: "a fully connected layer of that many units (nn.Linear); takes flat inputs only"),
    example: "{dense: 64, activation: relu}",
    options: [SchemaKey("bias", .boolean, default: "true", doc: "")], takesActivation: true
  ) { reader, entry in
    let units = reader.integer(entry.value, key: entry.key, .positive)
    var bias = true
    if let (node, key) = entry.option("bias") { bias = reader.boolean(node, key: key) ?? bias }
    return units.map { Dense(units: $0, bias: bias) }
  }

  static let conv2d = LayerSchema(
    SchemaKey(
      "conv2d", .integer(.positive), doc: "a 2-d convolution with that many output channels"),
    example: "{conv2d: 32, kernel: 3, activation: relu}",
    options: [
      SchemaKey(
        "kernel", pairKind(.positive), required: true, placeholder: "<required>",
        doc: "an integer or [height, width]"),
      SchemaKey("stride", pairKind(.positive), default: "1", doc: ""),
      SchemaKey(
        "padding",
        .oneOf([.integer(.nonNegative), .list(.integer(.nonNegative), count: 2), .choice(["same", "valid"])]),
        default: "0", doc: "an integer, [height, width], same (stride 1 only) or valid"),
      SchemaKey("dilation", pairKind(.positive), default: "1", doc: ""),
      SchemaKey(
        "groups", .integer(.positive), default: "1",
        doc: "dividing the channels; groups = channels is depthwise"),
      SchemaKey("bias", .boolean, default: "true", doc: ""),
    ],
    takesActivation: true
  ) { reader, entry in
    let count = reader.problems.count
    let channels = reader.integer(entry.value, key: entry.key, .positive)
    var layer = Conv2d(outChannels: channels ?? 1, kernel: Pair(1))
    if let (node, key) = entry.option("kernel") {
      layer.kernel = reader.pair(node, key: key, .positive) ?? layer.kernel
    } else {
      reader.report(
        entry.fields.location, key: entry.fields.path(of: "kernel"),
        "missing required key; expected the kernel size, an integer >= 1 or [height, width]")
    }
    if let (node, key) = entry.option("stride") {
      layer.stride = reader.pair(node, key: key, .positive) ?? layer.stride
    }
    if let (node, key) = entry.option("dilation") {
      layer.dilation = reader.pair(node, key: key, .positive) ?? layer.dilation
    }
    if let (node, key) = entry.option("padding") {
      if let text = node.scalarText, ["same", "valid"].contains(text) {
        layer.padding = text == "same" ? .same : .explicit(Pair(0))
        if text == "same", layer.stride != Pair(1) {
          reader.report(
            node, key: key,
            "same padding needs stride 1, found stride \(layer.stride.resolvedText); give the padding as an integer or [height, width]"
          )
        }
      } else if let pair = reader.pair(
        node, key: key, .nonNegative, alternatives: ", same or valid")
      {
        layer.padding = .explicit(pair)
      }
    }
    if let (node, key) = entry.option("groups") {
      layer.groups = reader.integer(node, key: key, .positive) ?? layer.groups
      if let channels, channels % layer.groups != 0 {
        reader.report(
          node, key: key,
          "groups \(layer.groups) does not divide the \(channels) output channels; expected a divisor of \(channels)"
        )
      }
    }
    if let (node, key) = entry.option("bias") {
      layer.bias = reader.boolean(node, key: key) ?? layer.bias
    }
    return reader.problems.count == count ? layer : nil
  }

  static let maxPool2d = pooling(
    "max_pool2d", doc: "the largest value of each window (nn.MaxPool2d)"
  ) { MaxPool2d(window: $0) }
  static let avgPool2d = pooling(
    "avg_pool2d",
    doc: "the mean of each window; the padding counts in the divisor (count_include_pad=True)"
  ) { AvgPool2d(window: $0) }

  /// `{max_pool2d: 2, stride: 2, padding: 0}`: the kernel, then a stride that defaults to it.
  private static func pooling(
    _ name: String, doc: String, _ make: @escaping @Sendable (PoolingWindow) -> any LayerKind
  ) -> LayerSchema {
    LayerSchema(
      SchemaKey(name, pairKind(.positive), doc: doc + "; the kernel, an integer or [h, w]"),
      example: "{\(name): 2}",
      options: [
        SchemaKey("stride", pairKind(.positive), placeholder: "<the kernel>", doc: ""),
        SchemaKey(
          "padding", pairKind(.nonNegative), default: "0", doc: "at most half the kernel"),
      ]
    ) { reader, entry in
      let count = reader.problems.count
      let kernel = reader.pair(entry.value, key: entry.key, .positive) ?? Pair(1)
      var window = PoolingWindow(kernel: kernel, stride: kernel, padding: Pair(0))
      if let (node, key) = entry.option("stride") {
        window.stride = reader.pair(node, key: key, .positive) ?? window.stride
      }
      if let (node, key) = entry.option("padding") {
        window.padding = reader.pair(node, key: key, .nonNegative) ?? window.padding
      }
      return reader.problems.count == count ? make(window) : nil
    }
  }

  static let globalAvgPool2d = LayerSchema(
    SchemaKey(
      "global_avg_pool2d", .nullable(.mapping([])),
      doc: "written bare: the mean of each channel, [C, H, W] -> [C, 1, 1] (AdaptiveAvgPool2d(1))"),
    example: "global_avg_pool2d", bare: true
  ) { _, _ in
    GlobalAvgPool2d()
  }

  static let flatten = LayerSchema(
    SchemaKey(
      "flatten", .nullable(.mapping([])),
      doc: "written bare: nn.Flatten, [C, H, W] -> [C*H*W] in C, H, W order"),
    example: "flatten", bare: true
  ) { _, _ in Flatten() }

  static let dropout = LayerSchema(
    SchemaKey(
      "dropout", .number(.fraction),
      doc: "the rate of nn.Dropout; on images value by value"),
    example: "{dropout: 0.1}"
  ) { reader, entry in
    reader.number(entry.value, key: entry.key, .fraction).map { Dropout(rate: $0) }
  }

  /// `- batch_norm`, or `{batch_norm: {momentum: 0.1, eps: 1.0e-5}}`.
  static let batchNorm = LayerSchema(
    SchemaKey(
      "batch_norm", .nullable(.mapping(batchNormKeys)),
      doc: "BatchNorm1d on [features], BatchNorm2d on [C, H, W]; bare, or with its settings"),
    example: "batch_norm", bare: true, settings: batchNormKeys
  ) { reader, entry in
    let count = reader.problems.count
    var layer = BatchNorm()
    guard let fields = reader.fields(of: entry.value, path: entry.key, keys: batchNormKeys.map(\.name))
    else { return nil }
    reader.read(&layer.momentum, fields, "momentum", .unitInterval)
    reader.read(&layer.eps, fields, "eps", .positive)
    return reader.problems.count == count ? layer : nil
  }

  /// `- layer_norm`, or `{layer_norm: {eps: 1.0e-5}}`.
  static let layerNorm = LayerSchema(
    SchemaKey(
      "layer_norm", .nullable(.mapping(layerNormKeys)),
      doc: "nn.LayerNorm over each example's whole shape; bare, or with its settings"),
    example: "layer_norm", bare: true, settings: layerNormKeys
  ) { reader, entry in
    let count = reader.problems.count
    var layer = LayerNorm()
    guard let fields = reader.fields(of: entry.value, path: entry.key, keys: layerNormKeys.map(\.name))
    else {
      return nil
    }
    reader.read(&layer.eps, fields, "eps", .positive)
    return reader.problems.count == count ? layer : nil
  }

  /// `{residual: [layers...], shortcut: identity | projection}`: the body is a list of layers
  /// read as `model.layers` is, so blocks nest.
  static let residual = LayerSchema(
    SchemaKey(
      "residual", .schema(.object([("$ref", .string("#/$defs/layers"))])),
      doc: "y = body(x) + shortcut(x); the body a list of layers, at least one; blocks nest, at most 32 deep"
    ),
    example: "{residual: [<layers>], shortcut: identity}",
    options: [
      SchemaKey(
        "shortcut", .choice(Residual.Shortcut.allCases.map(\.rawValue)), default: "identity",
        doc: "projection: a 1x1 conv2d with the body's stride, or dense, without bias, then batch_norm"
      )
    ],
    block: {
      reader, entry in
      let count = reader.problems.count
      var shortcut = Residual.Shortcut.identity
      if let (node, key) = entry.option("shortcut") {
        shortcut = reader.choice(node, key: key, Residual.Shortcut.self) ?? shortcut
      }
      guard entry.depth < Residual.maximumDepth else {
        reader.report(
          entry.value, key: entry.key,
          "residual blocks nest at most \(Residual.maximumDepth) deep, and this one is inside \(entry.depth) others; nest fewer"
        )
        return nil
      }
      guard let body = reader.layers(entry.value, path: entry.key, depth: entry.depth + 1) else {
        return nil
      }
      if body.layers.isEmpty {
        reader.report(
          entry.value, key: entry.key,
          "expected a list of at least one layer, such as \(ConfigReader.layerExample); found an empty list"
        )
      }
      guard reader.problems.count == count else { return nil }
      var decoded = DecodedKind(Residual(body: body.layers, shortcut: shortcut))
      decoded.body = body.origins
      decoded.output = body.output
      return decoded
    })
}

extension ConfigReader {
  /// One integer for both axes, or `[height, width]`.
  mutating func pair(
    _ node: YAMLNode, key: String, _ rule: IntegerRule, alternatives: String = ""
  ) -> Pair? {
    if let items = node.items {
      guard items.count == 2 else {
        report(
          node, key: key,
          "expected \(rule.description) or a list [height, width] of them\(alternatives), found a list of \(items.count) values"
        )
        return nil
      }
      let height = integer(items[0], key: key + ".0", rule)
      let width = integer(items[1], key: key + ".1", rule)
      guard let height, let width else { return nil }
      return Pair(height, width)
    }
    guard node.scalarText != nil, !node.isNull else {
      mismatch(
        node, key: key,
        expected: "\(rule.description) or a list [height, width] of them\(alternatives)")
      return nil
    }
    return integer(node, key: key, rule).map { Pair($0) }
  }
}
