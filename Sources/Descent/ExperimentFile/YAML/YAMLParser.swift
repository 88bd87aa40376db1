import Yams

/// Reads YAML text into a `YAMLNode` tree, turning Yams' errors into diagnostics.
///
/// Duplicate keys are errors. Yams 6 rejects them and stops; to go on and report every other
/// problem of the file too, the parser renames the first copy it is told about and parses again,
/// then reports each later copy at its own position and keeps the last one.
struct YAMLParser {
  /// The name messages give the text: a file path, or the `--set` override.
  let file: String
  /// Added before a duplicate key to make it unique; no key of the vocabulary looks like it.
  private static let marker = "__descent_duplicate_key__"
  /// How many duplicate keys one text may have before the parser gives up renaming them.
  private static let maximumDuplicates = 100

  /// The tree of `text`, or `nil` for a text that is not YAML, and the problems found.
  ///
  /// An empty text is a null scalar. A text past `YAMLLimits` is not composed.
  func parse(_ text: String) -> (root: YAMLNode?, problems: [Diagnostic]) {
    if let problem = YAMLLimits.problem(in: text, file: file) { return (nil, [problem]) }
    var text = text
    var insertions: [Insertion] = []
    while insertions.count <= Self.maximumDuplicates {
      do {
        let node = try Yams.compose(yaml: text)
        var problems: [Diagnostic] = []
        let root = node.map { convert($0, path: "", insertions: insertions, problems: &problems) }
        return (root ?? .scalar("", at: InputLocation(file: file, line: 1, column: 1)), problems)
      } catch YamlError.duplicatedKeysInMapping(_, let context) {
        var insertion = Insertion(line: context.mark.line, column: context.mark.column)
        guard let marked = insertion.apply(Self.marker, to: text) else { break }
        text = marked
        insertions.append(insertion)
      } catch {
        return (nil, [syntaxDiagnostic(error, insertions: insertions)])
      }
    }
    return (nil, [InputLocation(file: file).diagnostic(key: nil, "too many duplicate keys")])
  }

  /// A Yams error as `file:line:column: YAML syntax error: problem (context)`.
  private func syntaxDiagnostic(_ error: any Error, insertions: [Insertion]) -> Diagnostic {
    guard let yamlError = error as? YamlError else {
      return InputLocation(file: file).diagnostic(key: nil, "cannot read the YAML: \(error)")
    }
    switch yamlError {
    case .scanner(let context, let problem, let mark, _),
      .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      // libyaml's message names its C function for raising the limit.
      if problem.hasPrefix("Maximum nesting level reached") {
        return location(of: mark, insertions).diagnostic(key: nil, YAMLLimits.tooDeep)
      }
      // Yams' message reads "but found another document (expected a single document ...)".
      if problem == "but found another document" {
        return location(of: mark, insertions).diagnostic(
          key: nil, "a second YAML document; an experiment file holds one")
      }
      var message = "YAML syntax error: \(problem)"
      if let context {
        let at = Insertion.original(context.mark, insertions)
        message += " (\(context.text) at line \(at.line), column \(at.column))"
      }
      return location(of: mark, insertions).diagnostic(key: nil, message)
    case .reader(let problem, let offset, let value, let yaml):
      var location = InputLocation(file: file)
      if let offset {
        let parsed = InputLocation.position(
          after: String(decoding: yaml.utf8.prefix(offset), as: UTF8.self))
        let original = Insertion.original(line: parsed.line, column: parsed.column, insertions)
        location = InputLocation(file: file, line: original.line, column: original.column)
      }
      let hex = String(value, radix: 16, uppercase: true)
      let found = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
      return location.diagnostic(key: nil, "cannot read the text: \(problem), found \(found)")
    default:
      return InputLocation(file: file).diagnostic(key: nil, "cannot read the YAML: \(yamlError)")
    }
  }

  private func location(of mark: Mark?, _ insertions: [Insertion]) -> InputLocation {
    guard let mark else { return InputLocation(file: file) }
    let original = Insertion.original(mark, insertions)
    return InputLocation(file: file, line: original.line, column: original.column)
  }

  private func convert(
    _ node: Node, path: String, insertions: [Insertion], problems: inout [Diagnostic]
  ) -> YAMLNode {
    let location = location(of: node.mark, insertions)
    switch node {
    case .scalar(let scalar):
      return .scalar(scalar.string, quoted: scalar.style != .plain, at: location)
    case .sequence(let sequence):
      let items = sequence.enumerated().map { index, item in
        convert(
          item, path: SettingPath.join(path, "\(index)"), insertions: insertions,
          problems: &problems)
      }
      return .sequence(items, at: location)
    case .mapping(let mapping):
      var entries: [YAMLNode.Entry] = []
      for (key, value) in mapping {
        let keyLocation = self.location(of: key.mark, insertions)
        guard var name = key.scalar?.string else {
          let found = key.mapping != nil ? "a mapping" : "a list"
          problems.append(keyLocation.diagnostic(key: path, "expected a key name, found \(found)"))
          continue
        }
        while name.hasPrefix(Self.marker) { name.removeFirst(Self.marker.count) }
        let valuePath = SettingPath.join(path, name)
        let converted = convert(value, path: valuePath, insertions: insertions, problems: &problems)
        entries.append(.init(key: name, keyLocation: keyLocation, value: converted))
      }
      return .mapping(removingDuplicates(entries, path: path, problems: &problems), at: location)
    case .alias:
      // Yams resolves aliases while composing; an alias node never reaches here.
      return .scalar("", at: location)
    }
  }

  /// Reports every key given more than once, at each later copy, and keeps the last copy.
  private func removingDuplicates(
    _ entries: [YAMLNode.Entry], path: String, problems: inout [Diagnostic]
  ) -> [YAMLNode.Entry] {
    var kept: [YAMLNode.Entry] = []
    for (index, entry) in entries.enumerated() {
      guard let first = entries.firstIndex(where: { $0.key == entry.key }) else { continue }
      if first != index {
        let line = entries[first].keyLocation.line.map { " at line \($0)" } ?? ""
        let column = entries[first].keyLocation.column.map { ", column \($0)" } ?? ""
        let key = SettingPath.join(path, entry.key)
        problems.append(
          entry.keyLocation.diagnostic(key: key, "duplicate key; first given\(line)\(column)"))
      }
      if entries.lastIndex(where: { $0.key == entry.key }) == index { kept.append(entry) }
    }
    return kept
  }
}

/// Text added at a position of the YAML, and how to map positions after it back to the original.
private struct Insertion {
  var line: Int
  var column: Int
  var length = 0

  /// `text` with `marker` inserted at this position, or `nil` when the position is not in it.
  mutating func apply(_ marker: String, to text: String) -> String? {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard line >= 1, line <= lines.count else { return nil }
    var scalars = Array(lines[line - 1].unicodeScalars)
    guard column >= 1, column <= scalars.count + 1 else { return nil }
    scalars.insert(contentsOf: marker.unicodeScalars, at: column - 1)
    lines[line - 1] = String(String.UnicodeScalarView(scalars))
    length = marker.unicodeScalars.count
    return lines.joined(separator: "\n")
  }

  /// The position in the original text of `mark`, a position in the text after `insertions`.
  static func original(_ mark: Mark, _ insertions: [Insertion]) -> (line: Int, column: Int) {
    original(line: mark.line, column: mark.column, insertions)
  }

  static func original(
    line: Int, column: Int, _ insertions: [Insertion]
  ) -> (line: Int, column: Int) {
    var column = column
    for insertion in insertions.reversed()
    where insertion.line == line && column > insertion.column {
      column = max(insertion.column, column - insertion.length)
    }
    return (line, column)
  }
}
