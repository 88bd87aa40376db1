/// The hash that identifies a resolved configuration across invocations.
enum ConfigHash {
  /// FNV-1a 64 (Fowler, Noll and Vo) of the UTF-8 bytes of `text`, as 16 lowercase hexadecimal
  /// digits. Not cryptographic: it tells a changed configuration from an unchanged one.
  static func fnv1a64(_ text: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
      hash ^= UInt64(byte)
      hash = hash &* 0x0000_0100_0000_01b3
    }
    let digits = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }
}
