import CZlib
import Foundation

/// A file read from start to end, gzip-compressed or not: zlib's `gzread` decompresses a gzip
/// file and passes any other file through unchanged, so one reader serves both.
final class CompressedFile {
  let file: DataFile
  private let handle: gzFile

  /// Opens `file`.
  ///
  /// - Throws: `Diagnostics` naming the file when it is missing or cannot be opened.
  init(_ file: DataFile) throws(Diagnostics) {
    guard file.exists else { throw Diagnostics([file.problem("no such file")]) }
    guard let handle = gzopen(file.resolvedPath, "rb") else {
      let error = POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
      throw Diagnostics([file.problem("cannot read the file: \(Diagnostic.reason(reading: error))")]
      )
    }
    self.file = file
    self.handle = handle
    // A larger buffer than zlib's 8 KiB default reads a large file in fewer system calls.
    gzbuffer(handle, 1 << 17)
  }

  deinit {
    gzclose(handle)
  }

  /// Whether the file is stored without compression (known once something has been read).
  var isCompressed: Bool { gzdirect(handle) == 0 }

  /// Fills `buffer` from the file; returns fewer bytes only at the end of the data.
  ///
  /// - Throws: `Diagnostics` when the compressed data is corrupt or cannot be read.
  func read(into buffer: UnsafeMutableRawBufferPointer) throws(Diagnostics) -> Int {
    guard let base = buffer.baseAddress, !buffer.isEmpty else { return 0 }
    var total = 0
    while total < buffer.count {
      let want = UInt32(min(buffer.count - total, Int(Int32.max)))
      let count = Int(gzread(handle, base + total, want))
      if count < 0 { throw Diagnostics([file.problem("cannot decompress: \(errorMessage)")]) }
      if count == 0 { break }
      total += count
    }
    // zlib reports a truncated gzip stream as an error only after the short read.
    var code: Int32 = 0
    _ = gzerror(handle, &code)
    if code != Z_OK && code != Z_STREAM_END {
      throw Diagnostics([file.problem("cannot decompress: \(errorMessage)")])
    }
    return total
  }

  /// Reads exactly `count` bytes, or fewer at the end of the data.
  func read(_ count: Int) throws(Diagnostics) -> [UInt8] {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 1)
    defer { buffer.deallocate() }
    let read = try self.read(into: buffer)
    return [UInt8](buffer[0..<read])
  }

  /// The number of bytes left to read, reading them all.
  func countRemainingBytes() throws(Diagnostics) -> Int {
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
    defer { chunk.deallocate() }
    var total = 0
    while true {
      let count = try read(into: chunk)
      total += count
      if count < chunk.count { return total }
    }
  }

  private var errorMessage: String {
    var code: Int32 = 0
    guard let text = gzerror(handle, &code) else { return "unknown error" }
    return String(cString: text)
  }
}
