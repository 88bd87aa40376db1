import DescentEngine

/// The README's list of every key, rendered from `ExperimentSchema` as a YAML file with each
/// key's default and a comment on what it accepts, which variants use it and what it means.
/// `descent schema --reference` prints it, and a test holds the README to it.
enum KeyReference {
  /// Where a comment starts, and how wide a line may be.
  static let commentColumn = 25
  static let layerCommentColumn = 43
  static let width = 100

  static func render() -> String {
    var lines: [String] = []
    for key in ExperimentSchema.top { lines += entry(key, indent: "") }
    return lines.joined(separator: "\n") + "\n"
  }

  private static func entry(_ key: SchemaKey, indent: String, prefix: String = "") -> [String] {
    let head = indent + prefix + key.name + ":"
    switch key.kind {
    case .mapping(let keys), .section(let keys, _):
      var lines = commented(head, comment(key, value: nil))
      let inner = indent + (prefix.isEmpty ? "  " : "    ")
      for child in keys { lines += entry(child, indent: inner) }
      return lines
    case .list(.mapping(let keys), _) where key.name == "expect":
      var lines = commented(head, comment(key, value: nil))
      for (index, child) in keys.enumerated() {
        lines += entry(child, indent: indent + "  ", prefix: index == 0 ? "- " : "  ")
      }
      return lines
    default:
      break
    }
    let value = self.value(key)
    var lines = commented(head + " " + value, comment(key, value: value))
    if key.name == "layers" {
      for schema in LayerSchema.all {
        lines += commented(
          indent + "  - " + schema.example, layerComment(schema), column: layerCommentColumn)
      }
      lines += commented(
        indent + "  - {activation: gelu}",
        Activation.names.joined(separator: " | ") + "; with parameters: "
          + Activation.names.compactMap { name in
            guard let parameters = Activation(name: name)?.parameters, !parameters.isEmpty else {
              return nil
            }
            let values = parameters.map { "\($0.name): \(YAMLScalar.format($0.value))" }
            return "{\(name): {\(values.joined(separator: ", "))}}"
          }.joined(separator: ", "),
        column: layerCommentColumn)
    }
    return lines
  }

  /// The value a key is shown with: its default, or what stands for it.
  private static func value(_ key: SchemaKey) -> String {
    if let first = key.defaults.first { return first.text }
    if let placeholder = key.placeholder { return placeholder }
    return key.required ? "<required>" : "null"
  }

  /// What the comment of `key` says: the variants that use it, what it accepts, the defaults of
  /// other variants, and its doc.
  private static func comment(_ key: SchemaKey, value: String?) -> String {
    var parts: [String] = []
    if let users = key.appliesTo { parts.append(users.joined(separator: ", ")) }
    if key.required && value == nil { parts.append("required") }
    let summary = key.kind.summary
    if !summary.isEmpty, summary != value { parts.append(summary) }
    if case .nullable(.mapping(let keys)) = key.kind, !keys.isEmpty {
      parts.append("{" + keys.map { "\($0.name): \(self.value($0))" }.joined(separator: ", ") + "}")
    }
    if !key.requiredBy.isEmpty {
      parts.append("required for \(key.requiredBy.joined(separator: ", "))")
    }
    for group in key.defaults.dropFirst() {
      parts.append("\(group.variants?.joined(separator: ", ") ?? "others"): \(group.text)")
    }
    if !key.doc.isEmpty { parts.append(key.doc) }
    return parts.joined(separator: "; ")
  }

  private static func layerComment(_ schema: LayerSchema) -> String {
    var parts = [schema.key.doc]
    let summary = schema.key.kind.summary
    if !summary.isEmpty { parts.append(summary) }
    for option in schema.optionKeys + schema.settingKeys {
      var text = option.name + ": " + value(option)
      if !option.doc.isEmpty { text += " (\(option.doc))" }
      parts.append(text)
    }
    return parts.joined(separator: "; ")
  }

  /// `text`, then `comment` from `column` on, wrapped at `width` with the rest of the comment
  /// under its start.
  private static func commented(
    _ text: String, _ comment: String, column: Int = commentColumn
  ) -> [String] {
    guard !comment.isEmpty else { return [text] }
    var words = comment.split(separator: " ").map(String.init)
    var lines: [String] = []
    var line = text.count < column ? text.padding(toLength: column, withPad: " ", startingAt: 0) : text + " "
    line += "#"
    var lineHasWords = false
    while !words.isEmpty {
      let word = words[0]
      if lineHasWords && line.count + 1 + word.count > width {
        lines.append(line)
        line = String(repeating: " ", count: column) + "#"
        lineHasWords = false
      }
      line += " " + word
      lineHasWords = true
      words.removeFirst()
    }
    lines.append(line)
    return lines
  }
}
