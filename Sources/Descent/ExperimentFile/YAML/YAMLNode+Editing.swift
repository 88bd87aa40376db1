extension YAMLNode {
  /// The sections that may be written as a bare name: `loss: mse` is `loss: {name: mse}`.
  static let namedSections: Set<String> = ["loss", "optimizer", "schedule"]

  /// Sets the value at `path`, as `--set` and sweeps do, before the tree is decoded.
  ///
  /// Missing mappings on the way are created, so `schedule.warmup.epochs` can be set in a file
  /// without a schedule; a null value counts as an empty mapping; a section written as a bare
  /// name becomes `{name: ...}` first. A key that is not part of the vocabulary is still set,
  /// so that decoding reports it with a suggestion.
  ///
  /// - Parameter keyLocation: where the key is written (in the sweep, or the override), for
  ///   keys this creates and for problems with the path.
  /// - Returns: a problem with the path, such as an index past the end of a list.
  mutating func set(
    _ path: SettingPath, to value: YAMLNode, keyLocation: InputLocation
  ) -> Diagnostic? {
    set(path.components[...], walked: [], to: value, keyLocation: keyLocation)
  }

  private mutating func set(
    _ rest: ArraySlice<String>, walked: [String], to value: YAMLNode,
    keyLocation: InputLocation
  ) -> Diagnostic? {
    guard let component = rest.first else {
      self = value
      return nil
    }
    if isNull {
      content = .mapping([])
    } else if walked.count == 1, let section = walked.first, Self.namedSections.contains(section) {
      self = ConfigurationDecoder.expandingName(self)
    }
    let here = walked + [component]
    let fullKey = (walked + rest).joined(separator: ".")
    switch content {
    case .mapping(var entries):
      guard
        let index = Self.entryIndex(component, in: &entries, then: rest.dropFirst(), keyLocation)
      else {
        return keyLocation.diagnostic(
          key: fullKey,
          "cannot set an entry of \(here.joined(separator: ".")), which the file does not give; write the whole list"
        )
      }
      defer { content = .mapping(entries) }
      return entries[index].value.set(
        rest.dropFirst(), walked: here, to: value, keyLocation: keyLocation)
    case .sequence(var items):
      guard let index = Int(component), items.indices.contains(index) else {
        return keyLocation.diagnostic(
          key: here.joined(separator: "."), "no such entry; \(Self.describeLength(items.count))")
      }
      defer { content = .sequence(items) }
      return items[index].set(rest.dropFirst(), walked: here, to: value, keyLocation: keyLocation)
    case .scalar:
      return keyLocation.diagnostic(
        key: fullKey,
        "\(walked.joined(separator: ".")) is a single value, not a mapping of settings")
    }
  }

  /// The index of `key` in `entries`, adding it when missing; `nil` when it is missing and what
  /// comes next is a list index, since a list cannot be made from one entry.
  private static func entryIndex(
    _ key: String, in entries: inout [Entry], then rest: ArraySlice<String>,
    _ keyLocation: InputLocation
  ) -> Int? {
    if let index = entries.lastIndex(where: { $0.key == key }) { return index }
    if let next = rest.first, Int(next) != nil { return nil }
    entries.append(.init(key: key, keyLocation: keyLocation, value: .scalar("", at: keyLocation)))
    return entries.count - 1
  }

  /// "the list has 3 entries (0 to 2)".
  private static func describeLength(_ count: Int) -> String {
    switch count {
    case 0: "the list is empty"
    case 1: "the list has 1 entry (0)"
    default: "the list has \(count) entries (0 to \(count - 1))"
    }
  }

  /// This tree with every location replaced by `location`: for a value given on the command
  /// line, whose position inside the override says nothing useful.
  func relocated(to location: InputLocation) -> YAMLNode {
    var node = self
    node.location = location
    switch content {
    case .scalar:
      break
    case .mapping(let entries):
      node.content = .mapping(
        entries.map {
          .init(key: $0.key, keyLocation: location, value: $0.value.relocated(to: location))
        })
    case .sequence(let items):
      node.content = .sequence(items.map { $0.relocated(to: location) })
    }
    return node
  }
}
