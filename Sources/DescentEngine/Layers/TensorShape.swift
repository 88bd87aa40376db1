/// The shape of one example, batch excluded: `[features]` for a flat example, or
/// `[channels, height, width]` for an image (NCHW with the batch first, as in PyTorch).
public struct TensorShape: Sendable, Hashable, CustomStringConvertible {
  public var dimensions: [Int]

  public init(_ dimensions: [Int]) {
    precondition(!dimensions.isEmpty && dimensions.allSatisfy { $0 > 0 }, "dimensions must be positive")
    self.dimensions = dimensions
  }

  /// A flat example of `features` values.
  public static func flat(_ features: Int) -> TensorShape { TensorShape([features]) }

  /// An image of `channels` planes of `height x width`.
  public static func image(channels: Int, height: Int, width: Int) -> TensorShape {
    TensorShape([channels, height, width])
  }

  /// The number of values in one example.
  public var count: Int { dimensions.reduce(1, *) }

  public var isImage: Bool { dimensions.count == 3 }
  public var isFlat: Bool { dimensions.count == 1 }

  public var channels: Int { dimensions[0] }
  /// The height of an image.
  public var height: Int { dimensions[1] }
  /// The width of an image.
  public var width: Int { dimensions[2] }

  /// `[1, 28, 28]`.
  public var description: String {
    "[" + dimensions.map(String.init).joined(separator: ", ") + "]"
  }
}
