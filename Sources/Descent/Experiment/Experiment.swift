import Foundation

/// An experiment file, validated and expanded into the runs of its sweep.
public struct Experiment: Sendable {
  /// The experiment's name: the results folder. Defaults to the file name without extension.
  public var name: String
  public var description: String
  /// The base seed (`seed:` in the file).
  public var seed: UInt64
  /// The file as given.
  public var sourceText: String
  /// The expanded sweep, in sweep order; one run when there is no sweep.
  public var runs: [RunSpec]

  /// Loads and validates the experiment file at `path`.
  public static func load(path: String, overrides: [String] = [], maxRuns: Int = 5000) throws
    -> Experiment
  {
    throw Diagnostics([Diagnostic(file: path, message: "experiment files are not implemented yet")])
  }

  /// Loads and validates experiment text.
  public static func load(
    yaml: String, file: String, baseDirectory: String, overrides: [String] = [],
    maxRuns: Int = 5000
  ) throws -> Experiment {
    throw Diagnostics([Diagnostic(file: file, message: "experiment files are not implemented yet")])
  }
}
