import ArgumentParser
import Descent
import DescentEngine

struct GradCheck: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gradcheck",
    abstract: "Compare backpropagation with finite differences for the experiment's model.",
    discussion: """
      Builds the model of the sweep's first run in double precision, takes a batch of the real \
      training data, and compares each gradient with a central difference (step 1e-5). An \
      entry passes when |analytic - numeric| <= atol + rtol * |numeric|, as in \
      torch.autograd.gradcheck; for each tensor it prints the worst absolute and relative \
      errors and the worst ratio to that bound.
      """)

  @Argument(help: "An experiment file.")
  var file: String

  @OptionGroup var experimentOptions: ExperimentOptions

  @Option(help: "Examples in the batch.")
  var rows: Int = 8

  @Option(help: "The absolute part of the tolerance.")
  var atol: Double = 1e-5

  @Option(help: "The relative part of the tolerance.")
  var rtol: Double = 1e-3

  func validate() throws {
    guard rows >= 1 else { throw ValidationError("--rows must be at least 1, found \(rows)") }
    guard atol >= 0, rtol >= 0, atol + rtol > 0 else {
      throw ValidationError("--atol and --rtol must be at least 0, and not both 0")
    }
  }

  func run() throws {
    let experiment = try experimentOptions.load(file)
    guard let run = experiment.runs.first else { return }
    let report: GradientCheck.Report
    do {
      report = try GradientCheck.run(
        for: run, rows: rows,
        tolerance: GradientCheck.Tolerance(absolute: atol, relative: rtol))
    } catch {
      printError(error)
      throw Exit.badInput
    }
    print("\(experiment.name): gradient check of \(run.id) on \(report.rows) examples of the training data")
    let nameWidth = max(6, report.results.map(\.tensor.count).max() ?? 0)
    let shapes = report.results.map { "[" + $0.shape.map(String.init).joined(separator: ", ") + "]" }
    let shapeWidth = max(5, shapes.map(\.count).max() ?? 0)
    func number(_ value: Double) -> String { String(format: "%.2e", value) }
    print(
      "tensor".padding(nameWidth) + "  " + "shape".padding(shapeWidth)
        + "  worst absolute  worst relative  worst / tolerance")
    var passed = true
    for (result, shape) in zip(report.results, shapes) {
      let ok = result.worstToleranceRatio <= 1
      passed = passed && ok
      print(
        result.tensor.padding(nameWidth) + "  " + shape.padding(shapeWidth) + "  "
          + number(result.worstAbsoluteError).padding(14) + "  "
          + number(result.worstRelativeError).padding(14) + "  "
          + number(result.worstToleranceRatio) + (ok ? "" : "  FAILED"))
    }
    let bound = "|analytic - numeric| <= \(atol) + \(rtol) * |numeric|"
    print(passed ? "passed (\(bound))" : "FAILED (\(bound))")
    if !passed { throw Exit.runFailed }
  }
}

extension String {
  func padding(_ width: Int) -> String {
    count >= width ? self : self + String(repeating: " ", count: width - count)
  }
}
