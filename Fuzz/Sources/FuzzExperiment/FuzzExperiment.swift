import Descent
import Foundation
import FuzzSupport

/// Loads the input as an experiment file, `x.yaml` in a folder that also holds the data files
/// the seeds name (`data/iris.csv` as in experiments/, and small CSV and IDX files), so that
/// inputs reach the checks of data sources too.
///
/// Sweeps are limited to 500 runs, as `--set sweep.max_runs=500` does: a file may ask for up to
/// a million, which takes a million decodings, correctly but too slowly for a fuzzer that calls
/// an input that takes 10 seconds a hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExperiment(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  _ = dataFiles
  let path = Scratch.write(UnsafeRawBufferPointer(start: data, count: size), to: "x.yaml")
  _ = try? Experiment.load(path: path, overrides: ["sweep.max_runs=500"])
  return 0
}

/// Written once, before the first input.
let dataFiles: Void = {
  let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  let iris = repository.appendingPathComponent("experiments/data/iris.csv")
  Scratch.write((try? String(contentsOf: iris, encoding: .utf8)) ?? "", to: "data/iris.csv")
  Scratch.write("a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n", to: "data.csv")
  let images: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2] + Array(0..<8)
  let labels: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 2, 0, 1]
  images.withUnsafeBytes { _ = Scratch.write($0, to: "images.idx") }
  labels.withUnsafeBytes { _ = Scratch.write($0, to: "labels.idx") }
}()
