/// The entries of one mapping of an experiment, already checked for unknown keys.
struct Fields: Sendable {
  /// The dotted path of the mapping, empty for the top level.
  let path: String
  /// Where the mapping is named, for a message about a key that is missing from it.
  let location: InputLocation
  private(set) var entries: [YAMLNode.Entry]

  init(path: String, location: InputLocation, entries: [YAMLNode.Entry]) {
    self.path = path
    self.location = location
    self.entries = entries
  }

  /// The value of `key`, if given.
  subscript(key: String) -> YAMLNode? {
    entries.first { $0.key == key }?.value
  }

  /// The dotted path of `key` in this mapping.
  func path(of key: String) -> String {
    SettingPath.join(path, key)
  }

  /// Where `key` is written, or where the mapping is named when it is not.
  func keyLocation(of key: String) -> InputLocation {
    entries.first { $0.key == key }?.keyLocation ?? location
  }

  /// The keys given, in file order.
  var keys: [String] { entries.map(\.key) }

  /// These fields without `keys`, so that they are not read again after a problem was reported.
  func removing(_ keys: some Sequence<String>) -> Fields {
    let removed = Set(keys)
    var fields = self
    fields.entries.removeAll { removed.contains($0.key) }
    return fields
  }
}
