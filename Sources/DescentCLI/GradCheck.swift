import ArgumentParser
import Descent

struct GradCheck: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gradcheck",
    abstract: "Compare backpropagation with finite differences for the experiment's model.",
    discussion: """
      Builds the model of the sweep's first run in double precision, takes a batch of the real \
      training data, and prints the worst relative error of each parameter tensor.
      """)

  @Argument(help: "An experiment file.")
  var file: String

  @OptionGroup var experimentOptions: ExperimentOptions

  @Option(help: "Examples in the batch.")
  var rows: Int = 8

  @Option(help: "The largest worst relative error that passes.")
  var tolerance: Double = 1e-6

  func validate() throws {
    guard rows >= 1 else { throw ValidationError("--rows must be at least 1, found \(rows)") }
  }

  func run() throws {
    let experiment = try experimentOptions.load(file)
    guard let run = experiment.runs.first else { return }
    let report: GradientCheck.Report
    do {
      report = try GradientCheck.run(for: run, rows: rows)
    } catch {
      printError(error)
      throw Exit.badInput
    }
    print("\(experiment.name): gradient check of \(run.id) on \(report.rows) examples of the training data")
    let nameWidth = max(6, report.results.map(\.tensor.count).max() ?? 0)
    print("tensor".padding(nameWidth) + "  shape         worst relative error")
    var passed = true
    for result in report.results {
      let ok = result.worstRelativeError <= tolerance
      passed = passed && ok
      let shape = "[" + result.shape.map(String.init).joined(separator: ", ") + "]"
      print(result.tensor.padding(nameWidth) + "  " + shape.padding(12) + "  "
        + "\(result.worstRelativeError)" + (ok ? "" : "  FAILED"))
    }
    print(passed ? "passed (tolerance \(tolerance))" : "FAILED (tolerance \(tolerance))")
    if !passed { throw Exit.runFailed }
  }
}

extension String {
  func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
