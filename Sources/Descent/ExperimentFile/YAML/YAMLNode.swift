/// A YAML value with the place it was written: the tree an experiment is checked on.
///
/// Yams' `Node` carries positions too, but a run's tree mixes values from several places (the
/// file, its sweep section, `--set` overrides), so every node here keeps its own
/// `InputLocation`, and messages point at the value that is wrong wherever it came from.
struct YAMLNode: Sendable, Hashable {
  enum Content: Sendable, Hashable {
    /// A scalar as written. A quoted (or block) scalar is always a string; a plain one may be a
    /// number, a boolean or null.
    case scalar(String, quoted: Bool)
    case mapping([Entry])
    case sequence([YAMLNode])
  }

  /// One `key: value` pair of a mapping, in file order.
  struct Entry: Sendable, Hashable {
    var key: String
    var keyLocation: InputLocation
    var value: YAMLNode
  }

  var content: Content
  var location: InputLocation

  static func scalar(_ text: String, quoted: Bool = false, at location: InputLocation) -> Self {
    YAMLNode(content: .scalar(text, quoted: quoted), location: location)
  }

  static func mapping(_ entries: [Entry], at location: InputLocation) -> Self {
    YAMLNode(content: .mapping(entries), location: location)
  }

  static func sequence(_ items: [YAMLNode], at location: InputLocation) -> Self {
    YAMLNode(content: .sequence(items), location: location)
  }

  /// The text of a plain (unquoted) scalar, which is how numbers, booleans and null are written.
  var plainText: String? {
    if case .scalar(let text, quoted: false) = content { return text }
    return nil
  }

  /// The text of any scalar.
  var scalarText: String? {
    if case .scalar(let text, _) = content { return text }
    return nil
  }

  var entries: [Entry]? {
    if case .mapping(let entries) = content { return entries }
    return nil
  }

  var items: [YAMLNode]? {
    if case .sequence(let items) = content { return items }
    return nil
  }

  /// Whether the value is YAML's null: nothing at all, `null` or `~`.
  var isNull: Bool {
    guard let text = plainText else { return false }
    return ["", "~", "null", "Null", "NULL"].contains(text)
  }

  /// The value of `key`, when this is a mapping that has it.
  subscript(key: String) -> YAMLNode? {
    entries?.last { $0.key == key }?.value
  }

  /// How a message names this value after "found": `1.5`, `true`, `"abc"`, `a list`, `nothing`.
  var foundDescription: String {
    switch content {
    case .scalar(let text, let quoted):
      if !quoted && text.isEmpty { return "nothing" }
      if !quoted && (YAMLScalar.isNumber(text) || YAMLScalar.isLiteral(text)) { return text }
      return YAMLScalar.doubleQuoted(text)
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    }
  }

  /// The value as compact YAML: `0.9`, `relu`, `[0.9, 0.999]`, `{dense: 64}`; used for sweep
  /// settings.
  var flowText: String {
    switch content {
    case .scalar(let text, let quoted):
      if !quoted { return text.isEmpty ? "null" : text }
      return YAMLScalar.needsQuotes(text) ? YAMLScalar.doubleQuoted(text) : text
    case .mapping(let entries):
      return "{" + entries.map { "\($0.key): \($0.value.flowText)" }.joined(separator: ", ") + "}"
    case .sequence(let items):
      return "[" + items.map(\.flowText).joined(separator: ", ") + "]"
    }
  }
}
