/// FNV-1a 64 (Fowler, Noll and Vo): not cryptographic, it tells changed bytes from unchanged
/// ones. Configuration hashes, checkpoint checksums and the engine fingerprint use it.
struct FNV1a64 {
  private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

  mutating func add<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
    for byte in bytes {
      value ^= UInt64(byte)
      value = value &* 0x0000_0100_0000_01b3
    }
  }

  /// The eight bytes of `word`, least significant first.
  mutating func add(_ word: UInt64) {
    withUnsafeBytes(of: word.littleEndian) { add($0) }
  }

  /// The value as 16 lowercase hexadecimal digits.
  var hexadecimal: String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }
}

/// The hash that identifies a resolved configuration across invocations.
enum ConfigHash {
  /// FNV-1a 64 of the UTF-8 bytes of `text`, as 16 lowercase hexadecimal digits.
  static func fnv1a64(_ text: String) -> String {
    var hash = FNV1a64()
    hash.add(text.utf8)
    return hash.hexadecimal
  }
}
