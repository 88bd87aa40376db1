import ArgumentParser
import Descent

struct Merge: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Combine the results folders of the shards of a sweep into one.",
    discussion: """
      The folders must hold the same experiment (name, experiment.yaml, runs and their \
      configuration hashes), written by the same version of descent, and every run must be \
      finished in one of them. Writes <out>/<name>/ as one descent run of the whole sweep \
      would, timing columns aside, then checks the expectations.
      """)

  @Argument(
    help: ArgumentHelp(
      "Results folders of shards, such as shards/1/sgd-vs-momentum; or the folders given to "
        + "--out, such as shards/1, when each holds one results folder; or a quoted pattern, "
        + "such as 'shards/*', which descent expands.",
      valueName: "folder"))
  var folders: [String]

  @Option(help: "The folder that holds the merged results folder, <out>/<name>.")
  var out: String = "results"

  @Flag(help: "Print only problems.")
  var quiet = false

  @OptionGroup var junitOption: JUnitOption

  func run() throws {
    let merged: String
    let folders: [String]
    do {
      folders = try ShardMerge.resultsFolders(named: self.folders)
      merged = try ShardMerge.merge(folders: folders, outputDirectory: out)
    } catch {
      printError(error)
      throw Exit.code(for: error)
    }
    if !quiet {
      print("merged \(folders.count) folder\(folders.count == 1 ? "" : "s") into \(merged)")
    }
    var checks = ResultChecks(quiet: quiet)
    try checks.checkExpectations(in: merged)
    try checks.writeJUnit(junitOption)
    if checks.failed { throw Exit.expectationFailed }
  }
}
