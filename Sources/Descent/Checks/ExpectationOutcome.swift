/// The verdict on one check of an expectation: one configuration's value against the bounds, or
/// one run that `status: complete` asks to complete.
public struct ExpectationOutcome: Sendable, Hashable {
  /// The expectation's position in the file's `expect:` list, from 0.
  public var index: Int
  /// A name for the check that stays the same from run to run, such as
  /// `expect[0] val_accuracy mean at least 0.95 where optimizer.lr=0.01`: a JUnit test case's
  /// name.
  public var name: String
  public var passed: Bool
  /// What was found and what was expected, without the location, such as `val_accuracy mean
  /// over seeds 1, 2, 3 is 0.9412 where optimizer.lr=0.01; expected at least 0.95`.
  public var detail: String
  /// Where the expectation is written.
  public var location: InputLocation
  /// The training time of the runs the check covers, in seconds.
  public var seconds: Double

  /// The message printed for the check: `file:line:column: expect[i]: detail`.
  public var message: String {
    location.diagnostic(key: "expect[\(index)]", detail).description
  }
}
