/// What a key of the experiment file accepts, in the terms of both a message ("a number in
/// [0, 1)") and a JSON Schema.
indirect enum ValueKind: Sendable {
  case number(NumberRule)
  case integer(IntegerRule)
  /// An integer in [0, 2^64).
  case seed
  case boolean
  case string
  case choice([String])
  /// A list of values of one kind; `count` fixes its length.
  case list(ValueKind, count: Int? = nil)
  /// A mapping of declared keys, closed to any other.
  case mapping([SchemaKey])
  /// A section with variants (`optimizer`): a mapping whose `variantKey` names the variant and
  /// decides which keys apply, or that name alone.
  case section([SchemaKey], variantKey: String)
  /// A mapping from any key (a dotted setting, an arm's name) to values of one kind.
  case dictionary(ValueKind)
  /// Any of the kinds.
  case oneOf([ValueKind])
  /// A kind, or null.
  case nullable(ValueKind)
  /// A value whose JSON Schema is given as is (a layer, a data source, a sweep axis).
  case schema(JSONValue)

  /// What a message says is expected: "a number in [0, 1)".
  var expected: String {
    switch self {
    case .number(let rule): rule.description
    case .integer(let rule): rule.description
    case .seed: "an integer >= 0"
    case .boolean: "true or false"
    case .string: "a string"
    case .choice(let names): "one of \(names.joined(separator: ", "))"
    case .list(let kind, let count?): "a list of \(count) values, each \(kind.expected)"
    case .list(let kind, nil): "a list of values, each \(kind.expected)"
    case .mapping(let keys), .section(let keys, _):
      "a mapping with keys \(keys.map(\.name).joined(separator: ", "))"
    case .dictionary: "a mapping"
    case .oneOf(let kinds): kinds.map(\.expected).joined(separator: " or ")
    case .nullable(let kind): kind.expected + " or null"
    case .schema: "a value"
    }
  }

  /// The words a comment in the key reference uses for the kind, when they say more than the
  /// default does; "" for a mapping or a kind the key's doc describes.
  var summary: String {
    switch self {
    case .number(let rule): rule.summary
    case .integer(let rule): rule.summary
    case .seed: "integer >= 0"
    case .boolean, .string, .mapping, .section, .dictionary, .schema, .oneOf, .list: ""
    case .choice(let names): names.joined(separator: " | ")
    case .nullable(let kind): kind.summary
    }
  }
}

/// One key of a section: its name, what it accepts, which variants of the section use it (the
/// optimizers that have a `momentum`), and what it means, in one line.
struct SchemaKey: Sendable {
  var name: String
  var kind: ValueKind
  /// The names of the variants that use the key; `nil` when all do.
  var appliesTo: [String]?
  /// Whether a file must give the key.
  var required = false
  /// The variants that need the key given, having no default for it.
  var requiredBy: [String] = []
  /// The default as `config.yaml` writes it, for each variant where defaults differ: filled in
  /// by the section from its default settings, or given for a key without a binding.
  var defaults: [(variants: [String]?, text: String)] = []
  /// What the key reference writes in place of a default that is not a value: `<required>`,
  /// `<the base seed>`.
  var placeholder: String?
  /// One line for people: the key reference and the JSON Schema's description.
  var doc: String

  init(
    _ name: String, _ kind: ValueKind, appliesTo: [String]? = nil, required: Bool = false,
    requiredBy: [String] = [], default text: String? = nil, placeholder: String? = nil,
    doc: String
  ) {
    self.name = name
    self.kind = kind
    self.appliesTo = appliesTo
    self.required = required
    self.requiredBy = requiredBy
    if let text { defaults = [(nil, text)] }
    self.placeholder = placeholder
    self.doc = doc
  }

  func applies(to variant: String?) -> Bool {
    guard let appliesTo, let variant else { return true }
    return appliesTo.contains(variant)
  }
}

extension NumberRule {
  /// "in [0, 1)", "> 0", "": the rule as a comment says it.
  var summary: String {
    switch (lower, upper) {
    case (nil, nil): ""
    case (let lower?, nil): "\(lowerIncluded ? ">=" : ">") \(Self.bound(lower))"
    case (nil, let upper?): "\(upperIncluded ? "<=" : "<") \(Self.bound(upper))"
    case (let lower?, let upper?):
      "in \(lowerIncluded ? "[" : "(")\(Self.bound(lower)), \(Self.bound(upper))\(upperIncluded ? "]" : ")")"
    }
  }

  private static func bound(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : YAMLScalar.format(value)
  }
}

extension IntegerRule {
  /// "integer >= 1", "integer from 0 to 100".
  var summary: String {
    if maximum != .max { return "integer from \(minimum) to \(maximum)" }
    return minimum == .min ? "integer" : "integer >= \(minimum)"
  }
}
