import RealModule

/// A seedable, deterministic random generator: xoshiro256** (Blackman and Vigna, 2018), seeded
/// through SplitMix64.
///
/// A value type: copying it forks the sequence. The engine draws from independent streams, one
/// per purpose, so that switching dropout on does not change the initial weights and two runs
/// that share a seed start from the same weights and see the same batches whatever their
/// optimizer.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Hashable {
  /// What a stream of random numbers is used for.
  public enum Stream: UInt64, Sendable, CaseIterable {
    case initialization = 1
    case dataOrder = 2
    case dropout = 3
    case split = 4
    case sweep = 5
    case synthetic = 6
  }

  private var state: (UInt64, UInt64, UInt64, UInt64)

  /// Creates the generator of `stream` for `seed`.
  public init(seed: UInt64, stream: Stream) {
    self.init(seed: seed &+ stream.rawValue &* 0xD1B5_4A32_D192_ED03)
  }

  /// Creates a generator from a raw 64-bit seed.
  public init(seed: UInt64) {
    var mixer = seed
    state = (
      Self.splitMix(&mixer), Self.splitMix(&mixer), Self.splitMix(&mixer), Self.splitMix(&mixer)
    )
  }

  /// SplitMix64 (Steele, Lea and Flood, 2014), used to spread a seed over the state.
  package static func splitMix(_ x: inout UInt64) -> UInt64 {
    x &+= 0x9E37_79B9_7F4A_7C15
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Writes the position in the sequence.
  public func saveState(to writer: inout CheckpointWriter) {
    for word in [state.0, state.1, state.2, state.3] { writer.write(word) }
  }

  /// Moves to the position `saveState` wrote.
  public mutating func restoreState(from reader: inout CheckpointReader) throws {
    state = (
      try reader.readUInt64(), try reader.readUInt64(), try reader.readUInt64(),
      try reader.readUInt64()
    )
    guard state != (0, 0, 0, 0) else { throw CheckpointError.damaged("a random state is zero") }
  }

  public mutating func next() -> UInt64 {
    let result = rotateLeft(state.1 &* 5, 7) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = rotateLeft(state.3, 45)
    return result
  }

  private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  /// A uniform double in [0, 1) with 53 random bits.
  public mutating func uniform() -> Double {
    Double(next() >> 11) * 0x1p-53
  }

  /// A uniform double in [low, high).
  public mutating func uniform(_ low: Double, _ high: Double) -> Double {
    low + (high - low) * uniform()
  }

  /// A standard normal deviate by the Box-Muller transform.
  public mutating func normal() -> Double {
    let u1 = 1 - uniform()  // in (0, 1], so the logarithm is finite
    let u2 = uniform()
    return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * Double.pi * u2)
  }

  /// A uniform integer in 0..<bound, without modulo bias (Lemire, 2019).
  public mutating func integer(below bound: Int) -> Int {
    precondition(bound > 0, "bound must be positive")
    let b = UInt64(bound)
    var product = next().multipliedFullWidth(by: b)
    if product.low < b {
      let threshold = (0 &- b) % b
      while product.low < threshold { product = next().multipliedFullWidth(by: b) }
    }
    return Int(product.high)
  }

  /// Shuffles `elements` in place (Fisher-Yates); the same generator state gives the same order
  /// on every platform, which the standard library's `shuffle` does not promise.
  public mutating func shuffle<C: MutableCollection & RandomAccessCollection>(_ elements: inout C)
  where C.Index == Int {
    let start = elements.startIndex
    var remaining = elements.count
    while remaining > 1 {
      let j = integer(below: remaining)
      remaining -= 1
      elements.swapAt(start + remaining, start + j)
    }
  }

  public static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.state == rhs.state
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(state.0)
    hasher.combine(state.1)
    hasher.combine(state.2)
    hasher.combine(state.3)
  }
}
