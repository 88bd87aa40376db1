/// One key of `grid` or `zip` with the values it takes, in order.
struct SweepAxis: Sendable, Hashable {
  var key: String
  var keyLocation: InputLocation
  var values: [YAMLNode]

  func assignment(_ position: Int) -> SweepAssignment {
    SweepAssignment(key: key, keyLocation: keyLocation, value: values[position], position: position)
  }
}
