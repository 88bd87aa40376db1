import ArgumentParser
import Descent
import DescentEngine
import Foundation

@main
struct DescentCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "descent",
    abstract: "Train neural networks from YAML experiment files.",
    discussion: """
      Exit codes: 0 success; 1 an expectation failed or a baseline differs; 64 usage error; \
      65 bad input (an experiment or data file is wrong); 70 a run failed; 73 the results \
      folder cannot be written; 75 another descent process is writing the results folder; \
      130 interrupted (Ctrl-C or SIGTERM; run the same command again to resume).
      """,
    version: Descent.version,
    subcommands: [
      Run.self, Validate.self, Plan.self, Summary.self, GradCheck.self, Bench.self,
      ReportCommand.self,
      Merge.self, Check.self, Config.self, Schema.self,
    ])

  /// Honours `DESCENT_KERNEL` (a benchmark's or a test's choice of matrix-product kernel)
  /// before any command runs, refusing a kernel this CPU cannot run.
  static func main() {
    do {
      if let kernel = try MatrixProduct.kernel(fromEnvironment: ProcessInfo.processInfo.environment)
      {
        MatrixProduct.use(kernel)
      }
    } catch {
      printError(error)
      Foundation.exit(ExitCode.validationFailure.rawValue)
    }
    main(nil)
  }
}

/// The exit codes, as documented in the README.
enum Exit {
  static let expectationFailed = ExitCode(1)
  static let usage = ExitCode(64)
  static let badInput = ExitCode(65)
  static let runFailed = ExitCode(70)
  static let cannotWrite = ExitCode(73)
  static let folderInUse = ExitCode(75)
  static let interrupted = ExitCode(130)

  /// The exit code for an error that stopped a command before or while it wrote results.
  static func code(for error: Error) -> ExitCode {
    switch error {
    case is Interrupted: interrupted
    case is OutputError, is OtherVersionResults: cannotWrite
    case is FolderInUse: folderInUse
    case is OtherSweepResults: usage
    case is StudyError: runFailed
    default: badInput
    }
  }
}

/// Options shared by the commands that read experiment files.
struct ExperimentOptions: ParsableArguments {
  @Option(
    name: .customLong("set"),
    help: ArgumentHelp(
      "Override a setting: KEY=VALUE, e.g. optimizer.lr=0.1.", valueName: "KEY=VALUE"))
  var overrides: [String] = []

  @Option(
    name: .customLong("sweep"),
    help: ArgumentHelp(
      "Add or replace a grid axis of the sweep: KEY=V1,V2,..., e.g. optimizer.lr=0.01,0.1.",
      valueName: "KEY=V1,V2,..."))
  var sweeps: [String] = []

  @Option(help: "Refuse sweeps that expand to more runs than this.")
  var maxRuns: Int = 5000

  func validate() throws {
    guard (1...Experiment.maximumRuns).contains(maxRuns) else {
      throw ValidationError(
        "--max-runs must be from 1 to \(Experiment.maximumRuns), found \(maxRuns)")
    }
  }

  /// Loads `path`, printing every problem and exiting with the bad-input code when it is wrong.
  func load(_ path: String) throws -> Experiment {
    do {
      return try Experiment.load(
        path: path, overrides: overrides, sweeps: sweeps, maxRuns: maxRuns)
    } catch {
      printError(error)
      throw Exit.badInput
    }
  }
}

func printError(_ error: Any) {
  FileHandle.standardError.write(Data("\(error)\n".utf8))
}
