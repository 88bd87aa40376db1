/// The integers a setting accepts.
struct IntegerRule: Sendable {
  var minimum: Int

  var description: String { minimum == .min ? "an integer" : "an integer >= \(minimum)" }

  static let any = IntegerRule(minimum: .min)
  static let positive = IntegerRule(minimum: 1)
  static let nonNegative = IntegerRule(minimum: 0)
}
