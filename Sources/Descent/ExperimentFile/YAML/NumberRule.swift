/// The numbers a setting accepts, and the words a message uses for them.
struct NumberRule: Sendable {
  var lower: Double? = nil
  var lowerIncluded = true
  var upper: Double? = nil
  var upperIncluded = true
  /// "a number in [0, 1)": what the message says is expected.
  var description: String

  func contains(_ value: Double) -> Bool {
    guard value.isFinite else { return false }
    if let lower, lowerIncluded ? value < lower : value <= lower { return false }
    if let upper, upperIncluded ? value > upper : value >= upper { return false }
    return true
  }

  static let any = NumberRule(description: "a number")
  static let positive = NumberRule(lower: 0, lowerIncluded: false, description: "a positive number")
  static let nonNegative = NumberRule(lower: 0, description: "a number >= 0")
  /// [0, 1): momentum, dropout, validation fraction, betas.
  static let fraction = NumberRule(
    lower: 0, upper: 1, upperIncluded: false, description: "a number in [0, 1)")
  /// [0, 1]: dampening.
  static let unitInterval = NumberRule(lower: 0, upper: 1, description: "a number in [0, 1]")
  /// (0, 1): one_cycle's pct_start, plateau's factor.
  static let openUnitInterval = NumberRule(
    lower: 0, lowerIncluded: false, upper: 1, upperIncluded: false,
    description: "a number in (0, 1)")
  /// (0, 1]: warmup's start factor.
  static let positiveFraction = NumberRule(
    lower: 0, lowerIncluded: false, upper: 1, description: "a number in (0, 1]")
}
