import RealModule

/// Student's t distribution with `degreesOfFreedom` ν > 0.
///
/// The tail probability comes from the regularized incomplete beta function (Abramowitz and
/// Stegun 26.7.1; Numerical Recipes, 3rd ed., §6.14.9):
/// `P(T > t) = ½ · I_{ν/(ν+t²)}(ν/2, ½)` for `t ≥ 0`.
struct StudentT: Sendable {
  var degreesOfFreedom: Double

  init(degreesOfFreedom: Double) {
    precondition(degreesOfFreedom > 0, "degrees of freedom must be positive")
    self.degreesOfFreedom = degreesOfFreedom
  }

  /// The survival function `P(T > t)`, computed directly in the tail so that tiny probabilities
  /// keep their relative precision.
  func survival(_ t: Double) -> Double {
    if t.isNaN { return .nan }
    let nu = degreesOfFreedom
    let tail = 0.5 * RegularizedBeta.value(x: nu / (nu + t * t), a: nu / 2, b: 0.5)
    return t >= 0 ? tail : 1 - tail
  }

  /// The cumulative distribution function `P(T ≤ t)`.
  func cumulative(_ t: Double) -> Double {
    1 - survival(t)
  }

  /// The two-sided p-value of an observed statistic: `P(|T| ≥ |t|) = I_{ν/(ν+t²)}(ν/2, ½)`.
  func twoSidedPValue(_ t: Double) -> Double {
    if t.isNaN { return .nan }
    let nu = degreesOfFreedom
    return RegularizedBeta.value(x: nu / (nu + t * t), a: nu / 2, b: 0.5)
  }

  /// The quantile: the `t` with `P(T ≤ t) = probability`, for `0 < probability < 1`.
  ///
  /// Found by bisection on the survival function, which is monotone; 200 halvings take any
  /// bracket below the spacing of doubles, and the result is the same bits on every platform.
  func quantile(_ probability: Double) -> Double {
    precondition(probability > 0 && probability < 1, "a probability strictly between 0 and 1")
    if probability < 0.5 { return -quantile(1 - probability) }
    if probability == 0.5 { return 0 }
    let tail = 1 - probability
    var low = 0.0
    var high = 1.0
    while survival(high) > tail { high *= 2 }
    for _ in 0..<200 {
      let middle = (low + high) / 2
      if middle == low || middle == high { break }
      if survival(middle) > tail { low = middle } else { high = middle }
    }
    return (low + high) / 2
  }
}
