import ArgumentParser
import Descent

struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure the matrix product on the layer shapes of the reference workloads.",
    discussion: """
      Prints the median GFLOP/s of the forward, weight-gradient and input-gradient products of \
      each dense layer of W1 (64-128-10) and W2 (784-256-128-10). Whole workloads are timed \
      with bench/run.sh; docs/performance.md has the figures.
      """)

  @Option(help: "Batch sizes to measure.")
  var batch: [Int] = [32, 128]

  @Option(help: "Timed repetitions per shape; the median is reported.")
  var repetitions: Int = 9

  func validate() throws {
    guard repetitions >= 1 else {
      throw ValidationError("--repetitions must be at least 1, found \(repetitions)")
    }
    guard batch.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--batch must be at least 1") }
  }

  func run() throws {
    print("matrix product kernel: \(MatrixProductBenchmark.kernelDescription)")
    print("shape (m x n x k, op)  GFLOP/s  role")
    let layers = [(64, 128), (128, 10), (784, 256), (256, 128)]
    for size in batch {
      for (inputs, units) in layers {
        for shape in MatrixProductBenchmark.Shape.denseLayer(inputs: inputs, units: units, batch: size) {
          let rate = MatrixProductBenchmark.gigaflops(shape, repetitions: repetitions)
          let label = shape.description.padding(20)
          let figure = String(format: "%7.1f", rate)
          print("\(label)  \(figure)  \(shape.role)")
        }
      }
    }
  }
}
