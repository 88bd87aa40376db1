import RealModule

/// The floating-point types the engine computes in.
///
/// Training runs in `Float`; the gradient check runs the very same code in `Double`, where a
/// finite difference is precise enough to catch a wrong factor in a backward pass.
public protocol Scalar: Real, BinaryFloatingPoint, Sendable {
  /// The value as an index, for positions kept among the values (max pooling's maxima): a
  /// concrete conversion, where the generic `Int(_:)` is slow.
  var index: Int { get }
}

extension Float: Scalar {
  @inline(__always) public var index: Int { Int(self) }
}

extension Double: Scalar {
  @inline(__always) public var index: Int { Int(self) }
}
