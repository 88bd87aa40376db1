import RealModule

/// The floating-point types the engine computes in.
///
/// Training runs in `Float`; the gradient check runs the very same code in `Double`, where a
/// finite difference is precise enough to catch a wrong factor in a backward pass.
public protocol Scalar: Real, BinaryFloatingPoint, Sendable {}

extension Float: Scalar {}
extension Double: Scalar {}
