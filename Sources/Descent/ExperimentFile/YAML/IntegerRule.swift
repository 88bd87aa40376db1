/// The integers a setting accepts.
struct IntegerRule: Sendable {
  var minimum: Int
  var maximum = Int.max

  var description: String {
    if maximum != .max { return "an integer from \(minimum) to \(maximum)" }
    return minimum == .min ? "an integer" : "an integer >= \(minimum)"
  }

  func contains(_ value: Int) -> Bool { (minimum...maximum).contains(value) }

  static let any = IntegerRule(minimum: .min)
  static let positive = IntegerRule(minimum: 1)
  static let nonNegative = IntegerRule(minimum: 0)
}
