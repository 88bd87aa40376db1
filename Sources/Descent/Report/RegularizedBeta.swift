import RealModule

/// The regularized incomplete beta function `I_x(a, b) = B(x; a, b) / B(a, b)`.
///
/// Evaluated with the continued fraction of Numerical Recipes (3rd ed., §6.4, `betacf`) by the
/// modified Lentz method, on whichever side of `x = (a + 1) / (a + b + 2)` converges fast, using
/// `I_x(a, b) = 1 − I_{1−x}(b, a)` on the other.
enum RegularizedBeta {
  static func value(x: Double, a: Double, b: Double) -> Double {
    precondition(a > 0 && b > 0, "the beta function's parameters must be positive")
    if x.isNaN { return .nan }
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    let logFront =
      Double.logGamma(a + b) - Double.logGamma(a) - Double.logGamma(b) + a * Double.log(x)
      + b * Double.log(onePlus: -x)
    let front = Double.exp(logFront)
    if x < (a + 1) / (a + b + 2) {
      return front * continuedFraction(x: x, a: a, b: b) / a
    }
    return 1 - front * continuedFraction(x: 1 - x, a: b, b: a) / b
  }

  /// The continued fraction of `I_x(a, b)`, NR eq. 6.4.5, to about 1e-15 relative.
  private static func continuedFraction(x: Double, a: Double, b: Double) -> Double {
    let tiny = 1e-300
    let epsilon = 1e-16
    func guarded(_ value: Double) -> Double { abs(value) < tiny ? tiny : value }
    var c = 1.0
    var d = 1 / guarded(1 - (a + b) * x / (a + 1))
    var h = d
    for m in 1...1000 {
      let m = Double(m)
      let even = m * (b - m) * x / ((a - 1 + 2 * m) * (a + 2 * m))
      d = 1 / guarded(1 + even * d)
      c = guarded(1 + even / c)
      h *= d * c
      let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 1 + 2 * m))
      d = 1 / guarded(1 + odd * d)
      c = guarded(1 + odd / c)
      let step = d * c
      h *= step
      if abs(step - 1) < epsilon { break }
    }
    return h
  }
}
