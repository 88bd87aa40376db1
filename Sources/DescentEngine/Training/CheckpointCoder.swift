/// Writes the state of a run as little-endian binary: integers, doubles and floats by their bit
/// patterns, so that what is read back is the same bits.
public struct CheckpointWriter: Sendable {
  public private(set) var bytes: [UInt8] = []

  public init() {}

  public mutating func write(_ value: UInt64) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
  }

  /// Bytes as they are, without a count.
  public mutating func write(raw: [UInt8]) { bytes += raw }

  public mutating func write(_ value: Int) { write(UInt64(bitPattern: Int64(value))) }

  public mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }

  public mutating func write(_ value: Double) { write(value.bitPattern) }

  public mutating func write(_ value: Double?) {
    write(value != nil)
    if let value { write(value) }
  }

  public mutating func write(_ text: String) {
    let utf8 = Array(text.utf8)
    write(utf8.count)
    bytes += utf8
  }

  /// A count, then the values' bit patterns.
  public mutating func write(_ values: [Float]) {
    write(values.count)
    bytes.reserveCapacity(bytes.count + 4 * values.count)
    for value in values {
      withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }
  }

  public mutating func write(_ values: [Int64]) {
    write(values.count)
    for value in values { write(UInt64(bitPattern: value)) }
  }

  public mutating func write(_ values: [Int]) {
    write(values.count)
    for value in values { write(value) }
  }
}

/// Reads what `CheckpointWriter` wrote, in the same order; every read checks that the bytes are
/// there, so a short or damaged file throws instead of crashing.
public struct CheckpointReader: Sendable {
  private let bytes: [UInt8]
  private var position: Int

  public init(_ bytes: [UInt8], from position: Int = 0) {
    self.bytes = bytes
    self.position = position
  }

  /// Whether every byte has been read.
  public var isAtEnd: Bool { position == bytes.count }

  private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
    guard count >= 0, count <= bytes.count - position else {
      throw CheckpointError.damaged("it ends early")
    }
    defer { position += count }
    return bytes[position..<position + count]
  }

  /// The current position, in bytes from the start.
  public var offset: Int { position }

  /// `count` bytes as they are.
  public mutating func readRaw(count: Int) throws -> [UInt8] { Array(try take(count)) }

  public mutating func readUInt64() throws -> UInt64 {
    try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
  }

  public mutating func readInt() throws -> Int {
    let value = Int64(bitPattern: try readUInt64())
    guard let int = Int(exactly: value) else { throw CheckpointError.damaged("a count is out of range") }
    return int
  }

  /// A count of elements of `width` bytes that the rest of the file can hold.
  private mutating func readCount(width: Int) throws -> Int {
    let count = try readInt()
    guard count >= 0, count <= (bytes.count - position) / width else {
      throw CheckpointError.damaged("a count is larger than the file")
    }
    return count
  }

  public mutating func readBool() throws -> Bool {
    switch try take(1).first! {
    case 0: return false
    case 1: return true
    default: throw CheckpointError.damaged("a flag is neither 0 nor 1")
    }
  }

  public mutating func readDouble() throws -> Double { Double(bitPattern: try readUInt64()) }

  public mutating func readOptionalDouble() throws -> Double? {
    try readBool() ? try readDouble() : nil
  }

  public mutating func readString() throws -> String {
    let count = try readCount(width: 1)
    guard let text = String(validating: Array(try take(count)), as: UTF8.self) else {
      throw CheckpointError.damaged("a text is not UTF-8")
    }
    return text
  }

  public mutating func readFloats() throws -> [Float] {
    let count = try readCount(width: 4)
    let slice = try take(4 * count)
    // An empty array is the runtime's one shared empty storage; filling it "uninitialized" would
    // write its count there, a write other threads reading any empty array race with.
    guard count > 0 else { return [] }
    return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
      slice.withUnsafeBytes { raw in
        for i in 0..<count {
          buffer[i] = Float(
            bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
        }
      }
      initialized = count
    }
  }

  /// `count` floats, refusing any other count: the state of a network or optimizer of a known
  /// size.
  public mutating func readFloats(count expected: Int, _ what: String) throws -> [Float] {
    let values = try readFloats()
    guard values.count == expected else {
      throw CheckpointError.foreign("\(what): \(values.count) values where this run has \(expected)")
    }
    return values
  }

  public mutating func readInt64s() throws -> [Int64] {
    let count = try readCount(width: 8)
    return try (0..<count).map { _ in Int64(bitPattern: try readUInt64()) }
  }

  public mutating func readInts() throws -> [Int] {
    let count = try readCount(width: 8)
    return try (0..<count).map { _ in try readInt() }
  }
}

/// Why a checkpoint cannot be used; the run then starts over.
public enum CheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The file is not a whole checkpoint: truncated, altered, or not a checkpoint at all.
  case damaged(String)
  /// A whole checkpoint, but of another run, configuration or version of Descent.
  case foreign(String)

  public var description: String {
    switch self {
    case .damaged(let reason): "the checkpoint is damaged: \(reason)"
    case .foreign(let reason): "the checkpoint is not this run's: \(reason)"
    }
  }
}
