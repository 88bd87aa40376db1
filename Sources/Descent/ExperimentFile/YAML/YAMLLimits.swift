// libyaml as Yams vendors it: Yams composes whole documents only, and these limits must be
// checked on the events, before anything is composed.
internal import CYaml

/// Limits on the tree a YAML text stands for, aliases expanded, checked in one pass over
/// libyaml's events before the text is composed.
///
/// An alias stands for the whole value its anchor names. Yams shares that value rather than
/// copying it, but whatever walks the tree visits it once per alias, Yams' own check of mapping
/// keys included, so a few lines of nested aliases ("billion laughs") stand for billions of
/// values, and a chain of aliases nests values deeper than libyaml lets a text nest them. The
/// pass keeps the size and depth of each anchored value, so it costs the same whatever the
/// aliases stand for.
enum YAMLLimits {
  /// The most values a text may stand for, counting every scalar, list and mapping (keys
  /// included); each of the shipped experiments has fewer than 100.
  static let maximumValues = 10_000
  /// The deepest nesting of lists and mappings: libyaml's own limit on nesting written out.
  static let maximumDepth = 1_000

  /// The message for lists and mappings written nested deeper than `maximumDepth`.
  static let tooDeep = "lists and mappings are nested more than \(maximumDepth) levels deep"

  /// Where `text` first goes past a limit, or `nil` when it stays within them or is not YAML
  /// (composing it says why).
  ///
  /// - Complexity: O(n) in the length of `text`.
  static func problem(in text: String, file: String) -> Diagnostic? {
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBufferPointer { buffer in
      var parser = yaml_parser_t()
      guard yaml_parser_initialize(&parser) == 1 else { return nil }
      defer { yaml_parser_delete(&parser) }
      yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
      yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
      var counter = Counter()
      var event = yaml_event_t()
      while yaml_parser_parse(&parser, &event) == 1 {
        defer { yaml_event_delete(&event) }
        if event.type == YAML_STREAM_END_EVENT { return nil }
        if let message = counter.count(event) {
          let mark = event.start_mark
          return Diagnostic(
            file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1, message: message)
        }
      }
      return nil
    }
  }

  /// The values and the depth of the tree so far, and of each anchored value.
  private struct Counter {
    /// The size of a value: how many values it stands for and how many levels of lists and
    /// mappings it nests (0 for a scalar).
    struct Extent {
      var values: Int
      var depth: Int
    }

    /// A list or mapping whose end has not been read yet.
    struct Open {
      var anchor: String?
      var extent = Extent(values: 1, depth: 1)
    }

    var values = 0
    var open: [Open] = []
    var anchors: [String: Extent] = [:]

    /// Counts one event; the problem when it goes past a limit.
    mutating func count(_ event: yaml_event_t) -> String? {
      switch event.type {
      case YAML_SCALAR_EVENT:
        return add(Extent(values: 1, depth: 0), anchor: name(event.data.scalar.anchor))
      case YAML_ALIAS_EVENT:
        // An undefined alias is left for composing to report.
        guard let anchor = name(event.data.alias.anchor), let extent = anchors[anchor] else {
          return nil
        }
        if open.count + extent.depth > YAMLLimits.maximumDepth {
          return
            "aliases nest lists and mappings more than \(YAMLLimits.maximumDepth) levels deep"
        }
        guard values + extent.values <= YAMLLimits.maximumValues else {
          return "aliases expand the file to more than \(YAMLLimits.maximumValues) values; "
            + "use fewer aliases"
        }
        return add(extent, anchor: nil)
      case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
        let anchor =
          event.type == YAML_SEQUENCE_START_EVENT
          ? event.data.sequence_start.anchor : event.data.mapping_start.anchor
        values += 1
        open.append(Open(anchor: name(anchor)))
        if open.count > YAMLLimits.maximumDepth { return YAMLLimits.tooDeep }
        return tooManyValues
      case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
        guard let closed = open.popLast() else { return nil }
        values -= closed.extent.values
        return add(closed.extent, anchor: closed.anchor)
      default:
        return nil
      }
    }

    /// Adds a value to the one that holds it, and remembers it under its anchor.
    private mutating func add(_ extent: Extent, anchor: String?) -> String? {
      if let anchor { anchors[anchor] = extent }
      values += extent.values
      if let last = open.indices.last {
        open[last].extent.values += extent.values
        open[last].extent.depth = max(open[last].extent.depth, extent.depth + 1)
      }
      return tooManyValues
    }

    private var tooManyValues: String? {
      guard values > YAMLLimits.maximumValues else { return nil }
      return "the file has more than \(YAMLLimits.maximumValues) values; "
        + "an experiment needs far fewer"
    }

    private func name(_ anchor: UnsafeMutablePointer<yaml_char_t>?) -> String? {
      anchor.map { String(cString: $0) }
    }
  }
}
