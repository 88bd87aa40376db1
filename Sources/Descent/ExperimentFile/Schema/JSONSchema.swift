import DescentEngine

/// The JSON Schema (draft 2020-12) of the experiment file, rendered from `ExperimentSchema`:
/// editors with the YAML language server complete and check keys from it, and CI validates
/// every shipped experiment against it.
///
/// It checks the structure a file can be judged on alone: keys, types, ranges, choices, the keys
/// each optimizer, schedule and loss takes. What needs the data or the whole run (the output
/// width, a column's name, a swept value) is left to `descent validate`.
enum JSONSchema {
  static func experiment() -> JSONValue {
    var members: [(String, JSONValue)] = [
      ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
      ("title", .string("Descent experiment file")),
      (
        "description",
        .string(
          "An experiment of Descent, the experiment runner: data, model, loss, optimizer, schedule, training, and a sweep or study over them. `descent validate` checks what this schema cannot (the data, the output width, swept values)."
        )
      ),
    ]
    members += mapping(ExperimentSchema.top)
    members.append(("$defs", .object([("layers", layers), ("layer", layer)])))
    return .object(members)
  }

  // MARK: Kinds

  static func schema(_ kind: ValueKind) -> [(String, JSONValue)] {
    switch kind {
    case .number(let rule):
      var members: [(String, JSONValue)] = [("type", .string("number"))]
      if let lower = rule.lower {
        members.append((rule.lowerIncluded ? "minimum" : "exclusiveMinimum", .number(lower)))
      }
      if let upper = rule.upper {
        members.append((rule.upperIncluded ? "maximum" : "exclusiveMaximum", .number(upper)))
      }
      return members
    case .integer(let rule):
      var members: [(String, JSONValue)] = [("type", .string("integer"))]
      if rule.minimum != .min { members.append(("minimum", .integer(rule.minimum))) }
      if rule.maximum != .max { members.append(("maximum", .integer(rule.maximum))) }
      return members
    case .seed:
      return [
        ("type", .string("integer")), ("minimum", .integer(0)), ("maximum", .unsigned(.max)),
      ]
    case .boolean: return [("type", .string("boolean"))]
    case .string: return [("type", .string("string"))]
    case .choice(let names): return [("enum", .array(names.map(JSONValue.string)))]
    case .list(let item, let count):
      var members: [(String, JSONValue)] = [
        ("type", .string("array")), ("items", .object(schema(item))),
      ]
      if let count { members += [("minItems", .integer(count)), ("maxItems", .integer(count))] }
      return members
    case .mapping(let keys): return mapping(keys)
    case .section(let keys, let variantKey): return section(keys, variantKey: variantKey)
    case .dictionary(let value):
      return [("type", .string("object")), ("additionalProperties", .object(schema(value)))]
    case .oneOf(let kinds): return [("anyOf", .array(kinds.map { .object(schema($0)) }))]
    case .nullable(let kind):
      return [("anyOf", .array([.object([("type", .string("null"))]), .object(schema(kind))]))]
    case .schema(let value):
      guard case .object(let members) = value else { return [] }
      return members
    }
  }

  /// A closed mapping of `keys`.
  static func mapping(_ keys: [SchemaKey]) -> [(String, JSONValue)] {
    var members: [(String, JSONValue)] = [
      ("type", .string("object")),
      ("properties", .object(keys.map { ($0.name, .object(property($0))) })),
    ]
    let required = keys.filter(\.required).map { JSONValue.string($0.name) }
    if !required.isEmpty { members.append(("required", .array(required))) }
    members.append(("additionalProperties", .bool(false)))
    return members
  }

  /// A section with variants: its variant's name alone, or a mapping whose variant decides the
  /// keys it may hold and must hold.
  static func section(_ keys: [SchemaKey], variantKey: String) -> [(String, JSONValue)] {
    guard let variant = keys.first(where: { $0.name == variantKey }),
      case .choice(let names) = variant.kind
    else { return mapping(keys) }
    var object = mapping(keys)
    let rules: [JSONValue] = names.compactMap { name in
      let refused = keys.filter { !$0.applies(to: name) }.map { ($0.name, JSONValue.bool(false)) }
      let required = keys.filter { $0.requiredBy.contains(name) }.map { JSONValue.string($0.name) }
      if refused.isEmpty && required.isEmpty { return nil }
      var then: [(String, JSONValue)] = []
      if !refused.isEmpty { then.append(("properties", .object(refused))) }
      if !required.isEmpty { then.append(("required", .array(required))) }
      return .object([
        (
          "if",
          .object([
            ("properties", .object([(variantKey, .object([("const", .string(name))]))])),
            ("required", .array([.string(variantKey)])),
          ])
        ),
        ("then", .object(then)),
      ])
    }
    if !rules.isEmpty { object.append(("allOf", .array(rules))) }
    return [
      ("anyOf", .array([.object([("enum", .array(names.map(JSONValue.string)))]), .object(object)]))
    ]
  }

  /// A key's schema with its description and default.
  static func property(_ key: SchemaKey) -> [(String, JSONValue)] {
    var members = schema(key.kind)
    var description = key.doc
    if let users = key.appliesTo {
      description = "Only for \(users.joined(separator: ", "))" + (description.isEmpty ? "" : ": " + description)
    }
    if !key.requiredBy.isEmpty {
      description += (description.isEmpty ? "" : "; ") + "required for \(key.requiredBy.joined(separator: ", "))"
    }
    let defaults = key.defaults
    if defaults.count == 1, defaults[0].variants == nil, let value = json(yaml: defaults[0].text) {
      members.append(("default", value))
    } else if !defaults.isEmpty {
      let listed = defaults.map { group in
        group.text + (group.variants.map { " (\($0.joined(separator: ", ")))" } ?? "")
      }
      description += (description.isEmpty ? "" : "; ") + "default " + listed.joined(separator: ", ")
    } else if let placeholder = key.placeholder, !key.required {
      description += (description.isEmpty ? "" : "; ") + "default \(placeholder)"
    }
    if !description.isEmpty { members.insert(("description", .string(description)), at: 0) }
    return members
  }

  /// A default as `config.yaml` writes it, as JSON.
  static func json(yaml text: String) -> JSONValue? {
    guard let node = YAMLParser(file: "default").parse(text).root else { return nil }
    return json(node)
  }

  private static func json(_ node: YAMLNode) -> JSONValue {
    switch node.content {
    case .scalar(let text, let quoted):
      if quoted { return .string(text) }
      if node.isNull { return .null }
      if let value = YAMLScalar.boolean(text) { return .bool(value) }
      if let value = Int(text) { return .integer(value) }
      if let value = YAMLScalar.number(text) { return .number(value) }
      return .string(text)
    case .sequence(let items): return .array(items.map(json))
    case .mapping(let entries): return .object(entries.map { ($0.key, json($0.value)) })
    }
  }

  // MARK: Layers

  static var layers: JSONValue {
    .object([
      ("type", .string("array")), ("items", .object([("$ref", .string("#/$defs/layer"))])),
    ])
  }

  /// One entry of a list of layers: a kind written bare, a kind with its keys, or an activation.
  static var layer: JSONValue {
    let bare = LayerSchema.all.filter(\.bare).map { JSONValue.string($0.name) }
    var kinds: [JSONValue] = [
      .object([
        ("description", .string("a kind written bare")), ("enum", .array(bare)),
      ])
    ]
    for schema in LayerSchema.all {
      var keys = [schema.key] + schema.optionKeys
      keys[0].required = true
      if schema.takesActivation {
        keys.append(
          SchemaKey("activation", .schema(activation), doc: "the activation layer after it"))
      }
      kinds.append(.object([("description", .string(schema.key.doc))] + mapping(keys)))
    }
    kinds.append(
      .object(
        [("description", .string("an activation layer"))]
          + mapping([SchemaKey("activation", .schema(activation), required: true, doc: "")])))
    return .object([("anyOf", .array(kinds))])
  }

  /// `relu`, or `{leaky_relu: {slope: 0.01}}`.
  static var activation: JSONValue {
    var kinds: [JSONValue] = [.object([("enum", .array(Activation.names.map(JSONValue.string)))])]
    for name in Activation.names {
      guard let activation = Activation(name: name), !activation.parameters.isEmpty else {
        continue
      }
      let parameters = activation.parameters.map { parameter in
        SchemaKey(
          parameter.name, .number(Activation.parameterRule(parameter.name)),
          default: YAMLScalar.format(parameter.value), doc: "")
      }
      kinds.append(
        .object(mapping([SchemaKey(name, .mapping(parameters), required: true, doc: "")])))
    }
    return .object([("anyOf", .array(kinds))])
  }
}
