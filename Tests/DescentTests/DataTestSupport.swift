import CZlib
import Foundation
import Testing

@testable import Descent

/// A folder of data files written by a test, removed when the value is released.
final class DataFolder {
  let path: String

  init() throws {
    path =
      FileManager.default.temporaryDirectory
      .appendingPathComponent("descent-data-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit {
    try? FileManager.default.removeItem(atPath: path)
  }

  /// Writes `text` to `name` (which may include folders) and returns its path.
  @discardableResult
  func write(_ name: String, _ text: String) throws -> String {
    try write(name, bytes: Array(text.utf8))
  }

  @discardableResult
  func write(_ name: String, bytes: [UInt8]) throws -> String {
    let file = path + "/" + name
    try FileManager.default.createDirectory(
      atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: file))
    return file
  }

  /// Writes `bytes` gzip-compressed with zlib.
  @discardableResult
  func writeGzip(_ name: String, bytes: [UInt8]) throws -> String {
    let file = try write(name, bytes: [])
    let handle = try #require(gzopen(file, "wb"))
    let written = bytes.withUnsafeBytes { gzwrite(handle, $0.baseAddress, UInt32($0.count)) }
    #expect(Int(written) == bytes.count)
    #expect(gzclose(handle) == Z_OK)
    return file
  }

  /// A data file of this folder, named in messages by its path relative to the folder.
  func file(_ name: String) -> DataFile {
    DataFile(path: name, resolvedPath: path + "/" + name, displayPath: name)
  }
}

/// IDX files built byte by byte.
enum IDXBytes {
  /// A file with the given type byte, dimensions and values.
  static func file(type: UInt8 = 0x08, dimensions: [Int], values: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, type, UInt8(dimensions.count)]
    for size in dimensions {
      bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: size >> $0) }
    }
    return bytes + values
  }

  static func images(_ pixels: [[UInt8]], rows: Int, columns: Int) -> [UInt8] {
    file(dimensions: [pixels.count, rows, columns], values: pixels.flatMap { $0 })
  }

  static func labels(_ labels: [UInt8]) -> [UInt8] {
    file(dimensions: [labels.count], values: labels)
  }
}

/// The messages of the `Diagnostics` that `body` throws, or `[]` when it throws nothing.
func dataProblems<T>(_ body: () throws(Diagnostics) -> T) -> [String] {
  do {
    _ = try body()
    return []
  } catch {
    return error.problems.map(\.description)
  }
}
