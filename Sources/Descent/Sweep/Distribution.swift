import DescentEngine
import Foundation
import RealModule

/// Where `random` draws one setting from.
enum Distribution: Sendable, Hashable {
  /// `{uniform: [a, b]}`: a number in [a, b).
  case uniform(Double, Double)
  /// `{log_uniform: [a, b]}`: a number whose logarithm is uniform in [log a, log b), for rates
  /// that span decades.
  case logUniform(Double, Double)
  /// `{int: [a, b]}`: an integer in [a, b], both ends included.
  case integer(Int, Int)
  /// `{choice: [...]}`: one of the values, each equally likely.
  case choice([YAMLNode])

  /// Numbers are rounded to this many significant digits, so that they read well in run ids
  /// and tables; the rounding is part of the draw, so it is the same on every machine.
  static let significantDigits = 4

  /// Draws a value located at `location` (where the distribution is written), and its position
  /// in the list for `choice`.
  func sample(
    _ random: inout RandomGenerator, at location: InputLocation
  ) -> (value: YAMLNode, position: Int) {
    switch self {
    case .uniform(let low, let high):
      let value = Self.rounded(random.uniform(low, high), within: low, high)
      return (.scalar(YAMLScalar.format(value), at: location), 0)
    case .logUniform(let low, let high):
      let exponent = random.uniform(Double.log(low), Double.log(high))
      let value = Self.rounded(Double.exp(exponent), within: low, high)
      return (.scalar(YAMLScalar.format(value), at: location), 0)
    case .integer(let low, let high):
      // The width fits: the parser keeps `high - low` below Int.max.
      let value = low + random.integer(below: high - low + 1)
      return (.scalar("\(value)", at: location), 0)
    case .choice(let values):
      let position = random.integer(below: values.count)
      return (values[position], position)
    }
  }

  /// The value at `fraction` of the way through the distribution, `fraction` in [0, 1): a
  /// point of a quasi-random sequence mapped as a uniform draw would be.
  func value(at fraction: Double, location: InputLocation) -> (value: YAMLNode, position: Int) {
    func index(_ count: Int) -> Int { min(Int(fraction * Double(count)), count - 1) }
    switch self {
    case .uniform(let low, let high):
      let value = Self.rounded(low + fraction * (high - low), within: low, high)
      return (.scalar(YAMLScalar.format(value), at: location), 0)
    case .logUniform(let low, let high):
      let exponent = Double.log(low) + fraction * (Double.log(high) - Double.log(low))
      let value = Self.rounded(Double.exp(exponent), within: low, high)
      return (.scalar(YAMLScalar.format(value), at: location), 0)
    case .integer(let low, let high):
      let count = high - low + 1
      return (.scalar("\(low + (count > 0 ? index(count) : 0))", at: location), 0)
    case .choice(let values):
      let position = index(values.count)
      return (values[position], position)
    }
  }

  /// `value` to `significantDigits` significant digits, kept inside [low, high]. Going through
  /// decimal text gives the double nearest to the rounded decimal, which prints as that decimal.
  static func rounded(_ value: Double, within low: Double, _ high: Double) -> Double {
    let text = String(format: "%.\(significantDigits - 1)e", value)
    return min(max(Double(text) ?? value, low), high)
  }
}
