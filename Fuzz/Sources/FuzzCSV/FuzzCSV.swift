import Descent
import FuzzSupport

/// Reads the input as a CSV data file, its last column the target: once for classification,
/// once for regression with invalid rows dropped.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  Scratch.write(UnsafeRawBufferPointer(start: data, count: size), to: "data.csv")
  let file = Scratch.file("data.csv")
  guard let header = try? CSVDatasetReader.header(of: file), let target = header.last else {
    return 0
  }
  for (task, dropInvalidRows) in [(CSVSource.Task.classification, false), (.regression, true)] {
    let source = CSVSource(file: file, target: target, task: task, dropInvalidRows: dropInvalidRows)
    _ = try? CSVDatasetReader(source).read()
  }
  return 0
}
