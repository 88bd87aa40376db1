/// Reads typed settings out of a `YAMLNode` tree and collects every problem it meets, so that
/// one pass over a file reports all of them.
///
/// Each read either returns a valid value or reports why not and returns `nil`; the caller keeps
/// its default then and goes on.
struct ConfigReader {
  private(set) var problems: [Diagnostic] = []

  mutating func report(_ location: InputLocation, key: String?, _ message: String) {
    problems.append(location.diagnostic(key: key, message))
  }

  mutating func report(_ node: YAMLNode, key: String?, _ message: String) {
    report(node.location, key: key, message)
  }

  /// Adds a problem found elsewhere, such as in a data file the experiment names.
  mutating func report(_ problem: Diagnostic) {
    problems.append(problem)
  }

  /// Reports that `node` is not what `expected` describes.
  mutating func mismatch(_ node: YAMLNode, key: String, expected: String) {
    report(node, key: key, "expected \(expected), found \(node.foundDescription)")
  }

  // MARK: Mappings

  /// The entries of the mapping `node` at `path`, after reporting each key not in `keys`.
  ///
  /// - Parameters:
  ///   - location: where the mapping is named, for messages about keys missing from it.
  /// - Returns: `nil` when `node` is not a mapping (reported); an empty mapping for null.
  mutating func fields(
    of node: YAMLNode, path: String, keys: [String], location: InputLocation? = nil
  ) -> Fields? {
    let location = location ?? node.location
    if node.isNull { return Fields(path: path, location: location, entries: []) }
    guard let entries = node.entries else {
      mismatch(node, key: path, expected: "a mapping with keys \(keys.joined(separator: ", "))")
      return nil
    }
    var known: [YAMLNode.Entry] = []
    for entry in entries {
      if keys.contains(entry.key) {
        known.append(entry)
      } else {
        reportUnknownKey(entry, path: path, keys: keys)
      }
    }
    return Fields(path: path, location: location, entries: known)
  }

  mutating func reportUnknownKey(_ entry: YAMLNode.Entry, path: String, keys: [String]) {
    let key = SettingPath.join(path, entry.key)
    if let suggestion = KeySuggestion.nearest(to: entry.key, in: keys) {
      report(entry.keyLocation, key: key, "unknown key; did you mean '\(suggestion)'?")
    } else {
      report(
        entry.keyLocation, key: key, "unknown key; expected one of \(keys.joined(separator: ", "))")
    }
  }

  /// The value of `key`, reporting it missing when absent or null.
  mutating func require(_ fields: Fields, _ key: String, expected: String) -> YAMLNode? {
    if let node = fields[key], !node.isNull { return node }
    let location = fields[key]?.location ?? fields.location
    report(location, key: fields.path(of: key), "missing required key; expected \(expected)")
    return nil
  }

  // MARK: Scalars

  mutating func number(_ node: YAMLNode, key: String, _ rule: NumberRule) -> Double? {
    guard let text = node.plainText, let value = YAMLScalar.number(text), rule.contains(value)
    else {
      var message = "expected \(rule.description), found \(node.foundDescription)"
      if let value = node.plainText.flatMap(YAMLScalar.number), value.isInfinite {
        message +=
          value > 0
          ? ", larger than the largest number \(Double.greatestFiniteMagnitude)"
          : ", smaller than the smallest number \(-Double.greatestFiniteMagnitude)"
      }
      report(node, key: key, message)
      return nil
    }
    return value
  }

  mutating func integer(_ node: YAMLNode, key: String, _ rule: IntegerRule) -> Int? {
    guard let text = node.plainText, let value = Int(text), rule.contains(value) else {
      report(
        node, key: key,
        "expected \(rule.description), found \(node.foundDescription)"
          + outOfRange(node, Int.self, negativeAllowed: rule.minimum < 0))
      return nil
    }
    return value
  }

  /// A seed: an integer in [0, 2^64).
  mutating func seed(_ node: YAMLNode, key: String) -> UInt64? {
    guard let text = node.plainText, let value = UInt64(text) else {
      report(
        node, key: key,
        "expected an integer >= 0, found \(node.foundDescription)"
          + outOfRange(node, UInt64.self, negativeAllowed: false))
      return nil
    }
    return value
  }

  /// What a message adds about a whole number written beyond the range of `type`, which would
  /// otherwise read as if it were what is expected; nothing for a negative number where none is.
  private func outOfRange<Integer: FixedWidthInteger>(
    _ node: YAMLNode, _ type: Integer.Type, negativeAllowed: Bool
  ) -> String {
    guard let text = node.plainText, Integer(text) == nil else { return "" }
    let negative = text.hasPrefix("-")
    let digits = text.first == "-" || text.first == "+" ? text.dropFirst() : Substring(text)
    guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return "" }
    if !negative { return ", larger than the largest integer \(Integer.max)" }
    return negativeAllowed ? ", smaller than the smallest integer \(Integer.min)" : ""
  }

  mutating func boolean(_ node: YAMLNode, key: String) -> Bool? {
    guard let text = node.plainText, let value = YAMLScalar.boolean(text) else {
      mismatch(node, key: key, expected: "true or false")
      return nil
    }
    return value
  }

  /// Any scalar but null, as text.
  mutating func string(_ node: YAMLNode, key: String) -> String? {
    guard let text = node.scalarText, !node.isNull else {
      mismatch(node, key: key, expected: "a string")
      return nil
    }
    return text
  }

  /// One of the names `names` (a plain or quoted scalar), with a suggestion when it is near one.
  mutating func name(_ node: YAMLNode, key: String, in names: [String]) -> String? {
    let listed = "one of \(names.joined(separator: ", "))"
    guard let text = node.scalarText, !node.isNull else {
      mismatch(node, key: key, expected: listed)
      return nil
    }
    guard names.contains(text) else {
      var message = "expected \(listed), found \(node.foundDescription)"
      if let suggestion = KeySuggestion.nearest(to: text, in: names) {
        message += "; did you mean '\(suggestion)'?"
      }
      report(node, key: key, message)
      return nil
    }
    return text
  }

  /// A case of `type` by its raw value.
  mutating func choice<Choice: CaseIterable & RawRepresentable>(
    _ node: YAMLNode, key: String, _ type: Choice.Type
  ) -> Choice? where Choice.RawValue == String {
    let names = Choice.allCases.map(\.rawValue)
    return name(node, key: key, in: names).flatMap(Choice.init(rawValue:))
  }

  /// The items of a list.
  mutating func list(_ node: YAMLNode, key: String, expected: String) -> [YAMLNode]? {
    guard let items = node.items else {
      mismatch(node, key: key, expected: expected)
      return nil
    }
    return items
  }

  // MARK: Fields

  /// Reads `key` of `fields` into `target` when it is given and valid.
  mutating func read(_ target: inout Double, _ fields: Fields, _ key: String, _ rule: NumberRule) {
    guard let node = fields[key] else { return }
    if let value = number(node, key: fields.path(of: key), rule) { target = value }
  }

  /// Reads `key` into `target`; null sets `nil`.
  mutating func read(_ target: inout Double?, _ fields: Fields, _ key: String, _ rule: NumberRule) {
    guard let node = fields[key] else { return }
    if node.isNull {
      target = nil
    } else if let value = number(node, key: fields.path(of: key), rule) {
      target = value
    }
  }

  mutating func read(_ target: inout Int, _ fields: Fields, _ key: String, _ rule: IntegerRule) {
    guard let node = fields[key] else { return }
    if let value = integer(node, key: fields.path(of: key), rule) { target = value }
  }

  mutating func read(_ target: inout Int?, _ fields: Fields, _ key: String, _ rule: IntegerRule) {
    guard let node = fields[key] else { return }
    if node.isNull {
      target = nil
    } else if let value = integer(node, key: fields.path(of: key), rule) {
      target = value
    }
  }

  mutating func read(_ target: inout Bool, _ fields: Fields, _ key: String) {
    guard let node = fields[key] else { return }
    if let value = boolean(node, key: fields.path(of: key)) { target = value }
  }

  mutating func read<Choice: CaseIterable & RawRepresentable>(
    _ target: inout Choice, _ fields: Fields, _ key: String
  ) where Choice.RawValue == String {
    guard let node = fields[key] else { return }
    if let value = choice(node, key: fields.path(of: key), Choice.self) { target = value }
  }

  /// Reports each key of `fields` that its declaration reserves for other names than `chosen`,
  /// and returns the fields without them.
  ///
  /// - Parameters:
  ///   - keys: the mapping's declared keys, some of them used by some names only.
  ///   - chosen: the name the mapping chose, such as the synthetic set's generator.
  mutating func applicable(_ fields: Fields, _ keys: [SchemaKey], chosen: String) -> Fields {
    var rejected: [String] = []
    for key in keys where fields[key.name] != nil && !key.applies(to: chosen) {
      let (key, names) = (key.name, key.appliesTo ?? [])
      report(
        fields.keyLocation(of: key), key: fields.path(of: key),
        "not used by \(chosen); applies to \(names.joined(separator: ", "))")
      rejected.append(key)
    }
    return fields.removing(rejected)
  }
}
