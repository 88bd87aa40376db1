import Foundation

/// Expectation checks as JUnit XML, the test-report format CI systems read (GitLab's test
/// reports, Jenkins' `junit` step, and GitHub Actions through actions such as
/// `dorny/test-reporter` or `mikepenz/action-junit-report`).
///
/// One `<testsuite>` per experiment and one `<testcase>` per check, with the attributes those
/// readers require:
///
///     <testsuites name="descent" tests= failures= errors= skipped= time=>
///       <testsuite name="<experiment>" tests= failures= errors= skipped= time=>
///         <testcase classname="<experiment>" name="expect[0] ..." time=>
///           <failure message="<what was found>" type="expectation">file:line:column: ...</failure>
///         </testcase>
///
/// A shard's expectations are not checked, so they appear as `<skipped>` test cases. Times are
/// seconds of training.
public struct JUnitReport: Sendable {
  /// One `<testcase>`.
  public struct TestCase: Sendable {
    public var name: String
    public var seconds: Double
    /// The failure's short message and its full text; `nil` for a case that passed.
    public var failure: (message: String, text: String)?
    /// Why the case was not run; `nil` for a case that ran.
    public var skipped: String?
  }

  /// One `<testsuite>`: the checks of one experiment.
  public struct Suite: Sendable {
    public var name: String
    public var seconds: Double
    public var cases: [TestCase]

    public var failures: Int { cases.filter { $0.failure != nil }.count }
    public var skipped: Int { cases.filter { $0.skipped != nil }.count }

    /// The checks of an experiment, one test case each.
    public init(_ check: ExpectationCheck) {
      name = check.experiment
      seconds = check.seconds
      cases = check.outcomes.map { outcome in
        TestCase(
          name: outcome.name, seconds: outcome.seconds,
          failure: outcome.passed ? nil : (outcome.detail, outcome.message), skipped: nil)
      }
    }

    /// The expectations of a folder that were not checked, such as a shard's, each a skipped
    /// test case.
    public init(skipping files: ResultFiles, reason: String) {
      name = files.experiment
      seconds = files.finishedResults.reduce(0) { $0 + $1.seconds }
      cases = files.expectations.enumerated().map { index, expectation in
        var name = "expect[\(index)]"
        if let metric = expectation.metric {
          name +=
            " \(metric.rawValue) \(expectation.aggregate.rawValue) "
            + expectation.boundDescription
        } else {
          name += " every run complete"
        }
        return TestCase(name: name, seconds: 0, failure: nil, skipped: reason)
      }
    }
  }

  public var suites: [Suite]

  public init(suites: [Suite]) {
    self.suites = suites
  }

  /// The XML document.
  public func xml() -> String {
    let tests = suites.reduce(0) { $0 + $1.cases.count }
    let failures = suites.reduce(0) { $0 + $1.failures }
    let skipped = suites.reduce(0) { $0 + $1.skipped }
    let seconds = suites.reduce(0) { $0 + $1.seconds }
    var lines = [
      #"<?xml version="1.0" encoding="UTF-8"?>"#,
      "<testsuites name=\"descent\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"0\" "
        + "skipped=\"\(skipped)\" time=\"\(Self.time(seconds))\">",
    ]
    for suite in suites {
      lines.append(
        "  <testsuite name=\"\(XMLText.attribute(suite.name))\" tests=\"\(suite.cases.count)\" "
          + "failures=\"\(suite.failures)\" errors=\"0\" skipped=\"\(suite.skipped)\" "
          + "time=\"\(Self.time(suite.seconds))\">")
      for test in suite.cases {
        let opening =
          "    <testcase classname=\"\(XMLText.attribute(suite.name))\" "
          + "name=\"\(XMLText.attribute(test.name))\" time=\"\(Self.time(test.seconds))\""
        if let failure = test.failure {
          lines.append(opening + ">")
          lines.append(
            "      <failure message=\"\(XMLText.attribute(failure.message))\" type=\"expectation\">"
              + XMLText.content(failure.text) + "</failure>")
          lines.append("    </testcase>")
        } else if let reason = test.skipped {
          lines.append(opening + ">")
          lines.append("      <skipped message=\"\(XMLText.attribute(reason))\"/>")
          lines.append("    </testcase>")
        } else {
          lines.append(opening + "/>")
        }
      }
      lines.append("  </testsuite>")
    }
    lines.append("</testsuites>")
    return lines.joined(separator: "\n") + "\n"
  }

  /// Writes the document to `path`, atomically.
  ///
  /// - Throws: `OutputError` when the file cannot be written.
  public func write(to path: String) throws {
    try AtomicFile.write(xml(), to: path)
  }

  /// Seconds to the millisecond, as JUnit readers expect them: `1.234`.
  private static func time(_ seconds: Double) -> String {
    String(format: "%.3f", seconds.isFinite ? max(0, seconds) : 0)
  }
}
