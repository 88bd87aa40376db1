import ArgumentParser
import Descent
import DescentEngine

struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure the matrix product on the layer shapes of the reference workloads.",
    discussion: """
      Prints the median GFLOP/s of the forward, weight-gradient and input-gradient products of \
      each dense layer of W1 (64-128-10) and W2 (784-256-128-10), and of the two convolutions \
      of W3 (1->32 and 32->64 channels, 3x3, on 28x28 and 14x14 images). Whole workloads are \
      timed with bench/run.sh; docs/performance.md has the figures.
      """)

  @Option(help: "Batch sizes to measure.")
  var batch: [Int] = [32, 128]

  @Option(help: "Timed repetitions per shape; the median is reported.")
  var repetitions: Int = 9

  @Option(
    help: ArgumentHelp(
      "The matrix-product kernel to measure: avx512, avx2, neon or portable (default: the best this CPU runs, or DESCENT_KERNEL).",
      valueName: "kernel"))
  var kernel: String?

  func validate() throws {
    if let kernel {
      do {
        _ = try MatrixProduct.kernel(named: kernel)
      } catch {
        throw ValidationError("--kernel: \(error.description)")
      }
    }
    guard repetitions >= 1 else {
      throw ValidationError("--repetitions must be at least 1, found \(repetitions)")
    }
    guard batch.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--batch must be at least 1") }
  }

  func run() throws {
    if let kernel { MatrixProduct.use(try MatrixProduct.kernel(named: kernel)) }
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
    // Convolutions run their products image by image (Conv2d), whatever the batch.
    let convolutions = [
      MatrixProductBenchmark.convolution(
        "conv 1->32 3x3 28x28", positions: 784, patch: 9, outputs: 32),
      MatrixProductBenchmark.convolution(
        "conv 32->64 3x3 14x14", positions: 196, patch: 288, outputs: 64),
      MatrixProductBenchmark.convolution(
        "conv 32->32 3x3 28x28", positions: 784, patch: 288, outputs: 32),
    ]
    for shape in convolutions.joined() {
      let rate = MatrixProductBenchmark.gigaflops(shape, repetitions: repetitions)
      print("\(shape.description.padding(20))  \(String(format: "%7.1f", rate))  \(shape.role)")
    }
  }
}
