/// Decodes the configuration of one run: the file's run settings with a sweep point's (or a
/// study candidate's) assignments put into the tree first, so that each value is checked where
/// it is written.
struct RunDecoder: Sendable {
  let file: String
  let baseDirectory: String
  /// The file's run settings (`data`, `model`, ... `training`), overrides applied.
  let runTree: YAMLNode
  /// The memory each run must fit in; `nil` when it cannot be read (reported elsewhere).
  let limit: MemoryLimit?
  /// What is known about the data files, read once for every run.
  var inspector = DataInspector()

  /// The configuration with `assignments` applied, or the problems that prevent it.
  mutating func decode(
    with assignments: [SweepAssignment]
  ) -> (configuration: RunConfiguration?, problems: [Diagnostic]) {
    var tree = runTree
    for assignment in assignments {
      if let problem = tree.set(
        assignment.path, to: assignment.value, keyLocation: assignment.keyLocation)
      {
        return (nil, [problem])
      }
    }
    var decoder = ConfigurationDecoder(
      file: file, baseDirectory: baseDirectory, inspector: inspector, memoryLimit: limit)
    let configuration = decoder.decode(tree)
    inspector = decoder.inspector
    return (decoder.problems.isEmpty ? configuration : nil, decoder.problems)
  }
}
