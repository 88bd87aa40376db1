import DescentEngine
import Foundation

/// What is wrong with a safetensors file, or with it for a model: "tensor '0.weight' has shape
/// [3, 2] in the file, but the model expects [2, 3]".
struct SafetensorsError: Error, Hashable {
  var message: String
}

/// The header of a safetensors file (https://github.com/huggingface/safetensors): an 8-byte
/// little-endian length, then a JSON object that gives each tensor's dtype, shape and byte range
/// in the data after it.
///
/// It is all that checking a file against a model needs, so an experiment's checks read only
/// the header and the file's size, however large the file.
struct SafetensorsHeader: Sendable {
  /// One tensor as the header describes it.
  struct Entry: Sendable, Hashable {
    var dtype: String
    var shape: [Int]
    /// Its bytes, from the start of the data.
    var begin: Int
    var end: Int
  }

  /// The format's own limit on the header (safetensors' `MAX_HEADER_SIZE`).
  static let maximumLength = 100_000_000

  /// Every tensor by name; `__metadata__` is left out.
  var entries: [String: Entry]
  /// Where the data starts in the file: after the length and the header.
  var dataStart: Int
  /// The size of the whole file.
  var fileSize: Int

  /// Reads the header from the file's first bytes.
  ///
  /// - Parameters:
  ///   - prefix: the file's bytes from its start, at least up to the end of the header (or the
  ///     whole file when it is shorter).
  ///   - fileSize: the size of the whole file.
  /// - Throws: `SafetensorsError` when the bytes are not a safetensors header.
  init(prefix: Data, fileSize: Int) throws(SafetensorsError) {
    func fail(_ reason: String) -> SafetensorsError {
      SafetensorsError(message: "not a safetensors file: \(reason)")
    }
    guard fileSize >= 8, prefix.count >= 8 else { throw fail("shorter than its header") }
    let start = prefix.startIndex
    let length = (0..<8).reduce(UInt64(0)) { $0 | UInt64(prefix[start + $1]) << (8 * UInt64($1)) }
    guard length <= UInt64(fileSize - 8) else {
      throw fail("header length \(length) exceeds the file size")
    }
    guard length <= UInt64(Self.maximumLength) else {
      throw fail("header length \(length) exceeds the format's limit of \(Self.maximumLength)")
    }
    let dataStart = 8 + Int(length)
    guard prefix.count >= dataStart else { throw fail("shorter than its header") }
    guard
      let object = try? JSONSerialization.jsonObject(
        with: prefix[start + 8..<start + dataStart]),
      let header = object as? [String: Any]
    else { throw fail("the header is not a JSON object") }
    var entries: [String: Entry] = [:]
    for (name, value) in header where name != "__metadata__" {
      guard let fields = value as? [String: Any], let dtype = fields["dtype"] as? String,
        let shape = fields["shape"] as? [Int], shape.allSatisfy({ $0 >= 0 }),
        let offsets = fields["data_offsets"] as? [Int], offsets.count == 2
      else {
        throw fail(
          "the header's entry for '\(name)' is not {dtype: string, shape: [integers], data_offsets: [begin, end]}"
        )
      }
      entries[name] = Entry(dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
    }
    self.entries = entries
    self.dataStart = dataStart
    self.fileSize = fileSize
  }

  /// Whether `path` names a regular file, or a link to one: not a folder, a device, a pipe or
  /// a socket.
  static func isRegularFile(_ path: String) -> Bool {
    var status = stat()
    return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
  }

  /// Reads the header of the regular file at `path`, and nothing after it.
  ///
  /// - Throws: `SafetensorsError` saying why the file cannot be read or is not safetensors.
  static func read(path: String) throws(SafetensorsError) -> SafetensorsHeader {
    let handle: FileHandle
    let size: Int
    do {
      handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
      size = Int(try handle.seekToEnd())
      try handle.seek(toOffset: 0)
    } catch {
      throw SafetensorsError(message: "cannot read the file: \(Diagnostic.reason(reading: error))")
    }
    defer { try? handle.close() }
    do {
      let lengthBytes = try handle.read(upToCount: 8) ?? Data()
      var prefix = lengthBytes
      if lengthBytes.count == 8 && size >= 8 {
        let length = (0..<8).reduce(UInt64(0)) {
          $0 | UInt64(lengthBytes[lengthBytes.startIndex + $1]) << (8 * UInt64($1))
        }
        // A length past the file or the format's limit is refused without reading it.
        if length <= UInt64(min(size - 8, maximumLength)) {
          prefix += try handle.read(upToCount: Int(length)) ?? Data()
        }
      }
      return try SafetensorsHeader(prefix: prefix, fileSize: size)
    } catch let error as SafetensorsError {
      throw error
    } catch {
      throw SafetensorsError(message: "cannot read the file: \(Diagnostic.reason(reading: error))")
    }
  }

  /// The bytes per value of a dtype a tensor of `kind` can be read from, or `nil` for one it
  /// cannot: parameters and buffers from F32 or F64, counters from I64, as PyTorch saves them.
  static func width(of dtype: String, for kind: StateTensor.Kind) -> Int? {
    switch (dtype, kind) {
    case ("F32", .parameter), ("F32", .buffer): 4
    case ("F64", .parameter), ("F64", .buffer): 8
    case ("I64", .counter): 8
    default: nil
    }
  }

  /// Checks that the file holds exactly the tensors of `stateDict`, with their shapes, dtypes
  /// that can be read into them, and data inside the file.
  ///
  /// - Returns: each tensor's entry and bytes per value, in the order of `stateDict`.
  /// - Throws: `SafetensorsError` naming the first tensor that does not fit, and what the model
  ///   expects of it.
  func check(against stateDict: [StateTensor]) throws(SafetensorsError) -> [(Entry, width: Int)] {
    func fail(_ message: String) -> SafetensorsError { SafetensorsError(message: message) }
    let expected = Set(stateDict.map(\.name))
    if let extra = entries.keys.filter({ !expected.contains($0) }).sorted().first {
      throw fail(
        "tensor '\(extra)' is not in the model (expected \(stateDict.map(\.name).joined(separator: ", ")))"
      )
    }
    var found: [(Entry, width: Int)] = []
    for tensor in stateDict {
      guard let entry = entries[tensor.name] else {
        throw fail("tensor '\(tensor.name)' is missing (the model expects shape \(tensor.shape))")
      }
      guard entry.shape == tensor.shape else {
        throw fail(
          "tensor '\(tensor.name)' has shape \(entry.shape) in the file, but the model expects \(tensor.shape)"
        )
      }
      guard let width = Self.width(of: entry.dtype, for: tensor.kind) else {
        let dtypes = tensor.kind == .counter ? "I64" : "F32 or F64"
        throw fail("tensor '\(tensor.name)' has dtype \(entry.dtype); expected \(dtypes)")
      }
      let (bytes, overflow) = tensor.count.multipliedReportingOverflow(by: width)
      guard !overflow, entry.begin >= 0, entry.end >= entry.begin,
        entry.end - entry.begin == bytes, entry.end <= fileSize - dataStart
      else { throw fail("tensor '\(tensor.name)' has data offsets outside the file") }
      found.append((entry, width))
    }
    return found
  }
}
