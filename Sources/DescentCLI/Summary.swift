import ArgumentParser
import Descent
import DescentEngine

struct Summary: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print the model layer by layer: output shapes, parameters and multiply-adds.",
    discussion: """
      Describes the network of one run of the sweep (the first unless --run names another), \
      as Keras' model.summary() and torchinfo do. Layer indices are the module indices of the \
      equivalent PyTorch nn.Sequential, which name the tensors of saved weights.
      """)

  @Argument(help: "An experiment file.")
  var file: String

  @OptionGroup var experimentOptions: ExperimentOptions

  @Option(name: .customLong("run"), help: "The id of the run whose model to describe (see descent plan).")
  var runID: String?

  func run() throws {
    let experiment = try experimentOptions.load(file)
    let chosen = runID.map { id in experiment.runs.first { $0.id == id } } ?? experiment.runs.first
    guard let spec = chosen else {
      printError("\(file): no run with id '\(runID ?? "")'; descent plan \(file) lists them")
      throw Exit.badInput
    }
    let configuration = spec.configuration
    guard let input = configuration.inputShape else { return }
    // A model that cannot take its input was refused when the file was loaded.
    guard let summary = try? ModelSummary(configuration.training.model, input: input) else {
      return
    }
    print("\(experiment.name): model of \(spec.id), input \(input)")
    let header = ["layer", "kind", "output", "parameters", "multiply-adds"]
    // A block's layers are indented under it, their module names in full (`3.body.0`).
    var table = summary.rows.map { row in
      [
        row.module, String(repeating: "  ", count: row.depth) + row.layer,
        row.outputShape.description, grouped(row.parameters), grouped(row.multiplyAdds),
      ]
    }
    table.append(["total", "", "", grouped(summary.parameters), grouped(summary.multiplyAdds)])
    let widths = (0..<header.count).map { column in
      (table + [header]).map { $0[column].count }.max() ?? 0
    }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { column, cell in
        let pad = String(repeating: " ", count: widths[column] - cell.count)
        return column >= 3 ? pad + cell : cell + pad
      }.joined(separator: "  ")
    }
    print(line(header))
    for cells in table { print(line(cells)) }
    print("multiply-adds are per example, forward pass; training costs about three times as many")
  }

  /// `1,234,567`.
  private func grouped(_ value: Int) -> String {
    let digits = Array(String(value))
    var out = ""
    for (i, digit) in digits.enumerated() {
      if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
      out.append(digit)
    }
    return out
  }
}
