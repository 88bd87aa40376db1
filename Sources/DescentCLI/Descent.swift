import ArgumentParser
import Descent

@main
struct DescentCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "descent",
    abstract: "Train neural networks from YAML experiment files.")
}
