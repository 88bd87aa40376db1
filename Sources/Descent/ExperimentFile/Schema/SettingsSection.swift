/// One key of a section bound to where its value lives in the section's settings: the key's
/// declaration, how a file's value is read into the settings, and how `config.yaml` writes it.
struct KeyBinding<Settings>: Sendable {
  var key: SchemaKey
  /// Whether the key changes a number of the run, and so is part of the configuration's hash.
  var hashed = true
  /// Reads the value written for the key into the settings, reporting any problem.
  var decode: @Sendable (inout ConfigReader, YAMLNode, _ key: String, inout Settings) -> Void
  /// The value as `config.yaml` writes it; `nil` leaves the key out.
  var resolve: @Sendable (Settings) -> String?
}

/// A section of the experiment file declared once: its keys in the order `config.yaml` writes
/// them, what each accepts and means, which variants (the optimizer's or schedule's `name`) use
/// it, and the default settings of each variant. Decoding, the resolved configuration, the key
/// reference and the JSON Schema all come from this.
struct SettingsSection<Settings>: Sendable {
  /// The section's key at the top of the file.
  var name: String
  /// The key that names the variant, declared with its choices; `nil` for a section without
  /// variants.
  var variantKey: SchemaKey?
  var settings: [KeyBinding<Settings>]
  /// The settings of a variant (or of the section, without variants) before a file changes any.
  var defaults: @Sendable (String?) -> Settings

  /// Every key, the variant's first.
  var keys: [SchemaKey] {
    var keys = settings.map(\.key)
    for index in keys.indices {
      let setting = settings[index]
      if keys[index].defaults.isEmpty { keys[index].defaults = defaultTexts(setting) }
    }
    return (variantKey.map { [$0] } ?? []) + keys
  }

  /// Every key as declared, without the defaults `keys` computes: what decoding needs.
  private var declaredKeys: [SchemaKey] { (variantKey.map { [$0] } ?? []) + settings.map(\.key) }

  var keyNames: [String] { declaredKeys.map(\.name) }

  /// The variants' names.
  var variants: [String] {
    if case .choice(let names)? = variantKey?.kind { return names }
    return []
  }

  /// The default of `setting` in each variant that uses it, variants with the same default
  /// together; empty when no variant writes it by default.
  private func defaultTexts(_ setting: KeyBinding<Settings>) -> [(variants: [String]?, text: String)] {
    let variants = self.variants.filter { setting.key.applies(to: $0) }
    guard !variants.isEmpty else {
      return setting.resolve(defaults(nil)).map { [(nil, $0)] } ?? []
    }
    var groups: [(variants: [String]?, text: String)] = []
    for variant in variants where !setting.key.requiredBy.contains(variant) {
      guard let text = setting.resolve(defaults(variant)) else { continue }
      if let index = groups.firstIndex(where: { $0.text == text }) {
        groups[index].variants?.append(variant)
      } else {
        groups.append(([variant], text))
      }
    }
    // A default the same in every variant that uses the key is the key's default.
    if groups.count == 1, groups[0].variants?.count == variants.count { groups[0].variants = nil }
    return groups
  }

  /// Reports each key of `fields` that `variant` does not use, and reads every other key into
  /// `settings`, in declaration order.
  func decode(
    _ fields: Fields, variant: String?, into settings: inout Settings, reader: inout ConfigReader
  ) {
    let fields = variant.map { reader.applicable(fields, declaredKeys, chosen: $0) } ?? fields
    for setting in self.settings {
      guard let node = fields[setting.key.name] else {
        if let variant, setting.key.requiredBy.contains(variant) {
          _ = reader.require(fields, setting.key.name, expected: setting.key.kind.expected)
        }
        continue
      }
      setting.decode(&reader, node, fields.path(of: setting.key.name), &settings)
    }
  }

  /// The keys `config.yaml` writes for `settings` of `variant`, with their values.
  ///
  /// - Parameter hashed: leaves out the keys that change no number of the run.
  func resolved(
    _ settings: Settings, variant: String? = nil, hashed: Bool = false
  ) -> [(key: String, value: String)] {
    var pairs: [(key: String, value: String)] = []
    if let variantKey, let variant { pairs.append((variantKey.name, variant)) }
    for setting in self.settings where setting.key.applies(to: variant) {
      if hashed && !setting.hashed { continue }
      if let value = setting.resolve(settings) { pairs.append((setting.key.name, value)) }
    }
    return pairs
  }
}

// MARK: - Bindings

extension KeyBinding {
  /// A number at `path`.
  static func number(
    _ name: String, _ path: WritableKeyPath<Settings, Double> & Sendable, _ rule: NumberRule,
    appliesTo: [String]? = nil, requiredBy: [String] = [], doc: String
  ) -> KeyBinding {
    KeyBinding(
      key: SchemaKey(name, .number(rule), appliesTo: appliesTo, requiredBy: requiredBy, doc: doc),
      decode: { reader, node, key, settings in
        if let value = reader.number(node, key: key, rule) { settings[keyPath: path] = value }
      },
      resolve: { YAMLScalar.format($0[keyPath: path]) })
  }

  /// A number at `path`, or null for none.
  static func optionalNumber(
    _ name: String, _ path: WritableKeyPath<Settings, Double?> & Sendable, _ rule: NumberRule,
    appliesTo: [String]? = nil, doc: String
  ) -> KeyBinding {
    KeyBinding(
      key: SchemaKey(name, .nullable(.number(rule)), appliesTo: appliesTo, doc: doc),
      decode: { reader, node, key, settings in
        if node.isNull {
          settings[keyPath: path] = nil
        } else if let value = reader.number(node, key: key, rule) {
          settings[keyPath: path] = value
        }
      },
      resolve: { $0[keyPath: path].map(YAMLScalar.format) ?? "null" })
  }

  static func integer(
    _ name: String, _ path: WritableKeyPath<Settings, Int> & Sendable, _ rule: IntegerRule,
    appliesTo: [String]? = nil, doc: String
  ) -> KeyBinding {
    KeyBinding(
      key: SchemaKey(name, .integer(rule), appliesTo: appliesTo, doc: doc),
      decode: { reader, node, key, settings in
        if let value = reader.integer(node, key: key, rule) { settings[keyPath: path] = value }
      },
      resolve: { String($0[keyPath: path]) })
  }

  static func optionalInteger(
    _ name: String, _ path: WritableKeyPath<Settings, Int?> & Sendable, _ rule: IntegerRule,
    appliesTo: [String]? = nil, doc: String
  ) -> KeyBinding {
    KeyBinding(
      key: SchemaKey(name, .nullable(.integer(rule)), appliesTo: appliesTo, doc: doc),
      decode: { reader, node, key, settings in
        if node.isNull {
          settings[keyPath: path] = nil
        } else if let value = reader.integer(node, key: key, rule) {
          settings[keyPath: path] = value
        }
      },
      resolve: { $0[keyPath: path].map(String.init) ?? "null" })
  }

  static func boolean(
    _ name: String, _ path: WritableKeyPath<Settings, Bool> & Sendable,
    appliesTo: [String]? = nil, doc: String
  ) -> KeyBinding {
    KeyBinding(
      key: SchemaKey(name, .boolean, appliesTo: appliesTo, doc: doc),
      decode: { reader, node, key, settings in
        if let value = reader.boolean(node, key: key) { settings[keyPath: path] = value }
      },
      resolve: { "\($0[keyPath: path])" })
  }

  /// One of the cases of `Choice`, by raw value.
  static func choice<Choice: CaseIterable & RawRepresentable & Sendable>(
    _ name: String, _ path: WritableKeyPath<Settings, Choice> & Sendable,
    appliesTo: [String]? = nil, doc: String
  ) -> KeyBinding where Choice.RawValue == String {
    KeyBinding(
      key: SchemaKey(
        name, .choice(Choice.allCases.map(\.rawValue)), appliesTo: appliesTo, doc: doc),
      decode: { reader, node, key, settings in
        if let value = reader.choice(node, key: key, Choice.self) { settings[keyPath: path] = value }
      },
      resolve: { $0[keyPath: path].rawValue })
  }
}
