import DescentEngine

extension Activation {
  /// The values each parameter accepts.
  static func parameterRule(_ parameter: String) -> NumberRule {
    parameter == "slope" ? .any : .positive
  }
}
