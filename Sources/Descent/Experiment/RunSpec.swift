/// One run of an experiment: a point of its sweep with the configuration it resolves to.
public struct RunSpec: Sendable {
  /// The position in the sweep, from 0.
  public var index: Int
  /// A readable, filesystem-safe name, unique within the experiment and stable across
  /// invocations (see `RunIdentifiers`).
  public var id: String
  /// The swept keys and their values for this run, in sweep order, with `seed` and the run's
  /// seeds-axis value last when the sweep has a seeds axis (the run's own seed is
  /// `configuration.training.seed`). Values are written as in YAML.
  public var settings: [(key: String, value: String)]
  public var configuration: RunConfiguration
  /// The fully resolved configuration, every default filled in; loading this text as an
  /// experiment gives the same run.
  public var resolvedYAML: String
  /// FNV-1a 64 of `resolvedYAML` without the keys that change no number (`checkpoint`,
  /// `keep_checkpoint`), 16 hexadecimal digits: identical configurations, identical hashes.
  public var configHash: String

  public init(
    index: Int, id: String, settings: [(key: String, value: String)],
    configuration: RunConfiguration, resolvedYAML: String
  ) {
    self.index = index
    self.id = id
    self.settings = settings
    self.configuration = configuration
    self.resolvedYAML = resolvedYAML
    self.configHash = ConfigHash.fnv1a64(ResolvedYAML.render(configuration, hashed: true))
  }
}

extension RunSpec {
  /// The run's configuration with every default written out, as its `config.yaml` holds it.
  public var resolvedConfiguration: String { ResolvedYAML.render(configuration) }
}
