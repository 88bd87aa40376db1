import Foundation
import Testing

@testable import Descent

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// `--junit FILE`: the expectation checks as JUnit XML, read back with an XML parser and held to
/// the structure GitLab, Jenkins and the GitHub Actions test reporters read.
struct JUnitTests {
  @Test func checksBecomeTestCasesWithTheRequiredStructure() throws {
    let check = try ExpectationSweep.check(
      expect: """
          - where: {optimizer.momentum: 0.9}
            metric: val_accuracy
            at_least: 0.95
          - {metric: val_loss, at_most: 1}
        """)
    let document = try XMLDocument(
      xmlString: JUnitReport(suites: [JUnitReport.Suite(check)]).xml())
    let root = try #require(document.rootElement())
    try JUnitStructure.validate(root)
    #expect(root.name == "testsuites")
    #expect(root.attribute("tests") == "6")
    #expect(root.attribute("failures") == "1")

    let suite = try #require(root.elements(forName: "testsuite").first)
    #expect(suite.attribute("name") == "x")
    #expect(suite.attribute("time") == "6.000")
    let cases = suite.elements(forName: "testcase")
    #expect(
      cases.map { $0.attribute("name") } == [
        "expect[0] val_accuracy mean at least 0.95 where optimizer.momentum=0.9, optimizer.lr=0.01",
        "expect[0] val_accuracy mean at least 0.95 where optimizer.momentum=0.9, optimizer.lr=0.1",
        "expect[1] val_loss mean at most 1.0 where optimizer.momentum=0.0, optimizer.lr=0.01",
        "expect[1] val_loss mean at most 1.0 where optimizer.momentum=0.0, optimizer.lr=0.1",
        "expect[1] val_loss mean at most 1.0 where optimizer.momentum=0.9, optimizer.lr=0.01",
        "expect[1] val_loss mean at most 1.0 where optimizer.momentum=0.9, optimizer.lr=0.1",
      ])
    #expect(cases.allSatisfy { $0.attribute("classname") == "x" })
    #expect(cases.allSatisfy { $0.attribute("time") == "1.500" })

    let failure = try #require(cases[0].elements(forName: "failure").first)
    #expect(
      failure.attribute("message")
        == "val_accuracy mean over seeds 1, 2, 3 is 0.9412 where optimizer.momentum=0.9, "
        + "optimizer.lr=0.01; expected at least 0.95")
    #expect(failure.attribute("type") == "expectation")
    #expect(
      failure.stringValue
        == "x.yaml:14:5: expect[0]: val_accuracy mean over seeds 1, 2, 3 is 0.9412 where "
        + "optimizer.momentum=0.9, optimizer.lr=0.01; expected at least 0.95")
    #expect(cases.dropFirst().allSatisfy { $0.children?.isEmpty ?? true })
  }

  @Test func markupAndControlCharactersAreEscaped() throws {
    let check = try ExpectationSweep.check(
      expect: "  - {where: {optimizer.lr: 0.01}, metric: val_accuracy, at_least: 0.99}")
    var suite = JUnitReport.Suite(check)
    let awkward = "a<b>&\"quoted\" 'single'\n\ttabbed\u{1}bell\u{7}"
    suite.name = awkward
    suite.cases[0].name = awkward
    suite.cases[0].failure = (message: awkward, text: awkward + " ]]> </failure>")
    let xml = JUnitReport(suites: [suite]).xml()
    let document = try XMLDocument(xmlString: xml)
    let root = try #require(document.rootElement())
    try JUnitStructure.validate(root)
    let parsed = try #require(root.elements(forName: "testsuite").first)
    let shown = "a<b>&\"quoted\" 'single'\n\ttabbed\u{FFFD}bell\u{FFFD}"
    #expect(parsed.attribute("name") == shown)
    let test = try #require(parsed.elements(forName: "testcase").first)
    #expect(test.attribute("name") == shown)
    #expect(test.attribute("classname") == shown)
    let failure = try #require(test.elements(forName: "failure").first)
    #expect(failure.attribute("message") == shown)
    #expect(failure.stringValue == shown + " ]]> </failure>")
  }

  @Test func runWritesOneSuitePerExperimentWithItsFailures() throws {
    let folder = try TemporaryFolder()
    let file = try ExpectationSweep.write(
      in: folder,
      expect: """
          - {where: {optimizer.lr: 0.05}, metric: val_accuracy, at_least: 1.5}
          - {metric: train_loss, aggregate: max, at_least: 0}
        """)
    let report = folder.path + "/reports/junit.xml"
    let result = try descent("run", file, "--out", folder.path, "--quiet", "--junit", report)
    #expect(result.status == 1)
    let root = try #require(try XMLDocument(contentsOf: URL(fileURLWithPath: report)).rootElement())
    try JUnitStructure.validate(root)
    let suites = root.elements(forName: "testsuite")
    #expect(suites.map { $0.attribute("name") } == ["tiny"])
    #expect(suites[0].attribute("tests") == "3")
    #expect(suites[0].attribute("failures") == "1")
    let failed = suites[0].elements(forName: "testcase").filter {
      !$0.elements(forName: "failure").isEmpty
    }
    #expect(
      failed.map { $0.attribute("name") } == [
        "expect[0] val_accuracy mean at least 1.5 where optimizer.lr=0.05"
      ])
    let stderr = result.stderr.split(separator: "\n").filter { $0.contains("expect[") }
    #expect(
      failed.first?.elements(forName: "failure").first?.stringValue == stderr.first.map(String.init)
    )
  }

  @Test func aShardsExpectationsAreSkippedTestCases() throws {
    let folder = try TemporaryFolder()
    let file = try ExpectationSweep.write(
      in: folder, expect: "  - {metric: val_accuracy, at_least: 1.5}\n  - {status: complete}")
    let report = folder.path + "/junit.xml"
    let result = try descent(
      "run", file, "--out", folder.path, "--shard", "1/2", "--junit", report)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stdout.contains(
        "tiny: shard 1/2: expectations are checked by descent merge, not on a shard"))
    let root = try #require(try XMLDocument(contentsOf: URL(fileURLWithPath: report)).rootElement())
    try JUnitStructure.validate(root)
    #expect(root.attribute("tests") == "2")
    #expect(root.attribute("skipped") == "2")
    #expect(root.attribute("failures") == "0")
    let cases = root.elements(forName: "testsuite").first?.elements(forName: "testcase") ?? []
    #expect(
      cases.map { $0.attribute("name") } == [
        "expect[0] val_accuracy mean at least 1.5", "expect[1] every run complete",
      ])
    #expect(
      cases.allSatisfy {
        $0.elements(forName: "skipped").first?.attribute("message")
          == "expectations are checked by descent merge, not on a shard"
      })
  }

  @Test func anUnwritableJUnitFileExitsWith73() throws {
    let folder = try TemporaryFolder()
    let file = try ExpectationSweep.write(in: folder, expect: "  - {status: complete}")
    let blocker = folder.path + "/blocker"
    try "a file".write(toFile: blocker, atomically: true, encoding: .utf8)
    let result = try descent(
      "run", file, "--out", folder.path, "--quiet", "--junit", blocker + "/junit.xml")
    #expect(result.status == 73)
    #expect(result.stderr.contains("\(blocker)/junit.xml: cannot write"))
  }
}

/// The parts of the JUnit schema (Ant's `junit.xsd`, as GitLab and Jenkins read it) that a test
/// report needs: `testsuites > testsuite > testcase`, the required attributes, counts that
/// match the cases, and at most one result element per case.
enum JUnitStructure {
  struct Violation: Error, CustomStringConvertible {
    var description: String
  }

  static func validate(_ root: XMLElement) throws {
    try require(root.name == "testsuites", "the root is <\(root.name ?? "")>, not <testsuites>")
    var totals = (tests: 0, failures: 0, errors: 0, skipped: 0)
    for child in root.children ?? [] where child.kind == .element {
      try require(child.name == "testsuite", "<testsuites> holds <\(child.name ?? "")>")
    }
    for suite in root.elements(forName: "testsuite") {
      try requireAttributes(suite, ["name", "tests", "failures", "errors", "skipped", "time"])
      let cases = suite.elements(forName: "testcase")
      let counts = (
        tests: cases.count,
        failures: cases.filter { !$0.elements(forName: "failure").isEmpty }.count,
        errors: cases.filter { !$0.elements(forName: "error").isEmpty }.count,
        skipped: cases.filter { !$0.elements(forName: "skipped").isEmpty }.count
      )
      try require(suite.attribute("tests") == "\(counts.tests)", "tests does not count the cases")
      try require(suite.attribute("failures") == "\(counts.failures)", "failures miscounted")
      try require(suite.attribute("errors") == "\(counts.errors)", "errors miscounted")
      try require(suite.attribute("skipped") == "\(counts.skipped)", "skipped miscounted")
      try requireTime(suite)
      for test in cases {
        try requireAttributes(test, ["classname", "name", "time"])
        try requireTime(test)
        let results = (test.children ?? []).filter { $0.kind == .element }
        try require(results.count <= 1, "a test case holds more than one result")
        for result in results {
          try require(
            ["failure", "error", "skipped"].contains(result.name ?? ""),
            "a test case holds <\(result.name ?? "")>")
          if result.name != "skipped", let element = result as? XMLElement {
            try requireAttributes(element, ["message", "type"])
          }
        }
      }
      totals.tests += counts.tests
      totals.failures += counts.failures
      totals.errors += counts.errors
      totals.skipped += counts.skipped
    }
    try require(root.attribute("tests") == "\(totals.tests)", "testsuites tests miscounted")
    try require(
      root.attribute("failures") == "\(totals.failures)", "testsuites failures miscounted")
    try require(root.attribute("errors") == "\(totals.errors)", "testsuites errors miscounted")
    try require(root.attribute("skipped") == "\(totals.skipped)", "testsuites skipped miscounted")
  }

  private static func requireAttributes(_ element: XMLElement, _ names: [String]) throws {
    for name in names {
      try require(element.attribute(name) != nil, "<\(element.name ?? "")> has no \(name)")
    }
  }

  /// `time` is a decimal number of seconds, as `xs:decimal` allows.
  private static func requireTime(_ element: XMLElement) throws {
    let time = element.attribute("time") ?? ""
    try require(
      Double(time) != nil && time.allSatisfy { $0.isNumber || $0 == "." },
      "<\(element.name ?? "")> time \"\(time)\" is not a decimal")
  }

  private static func require(_ condition: Bool, _ message: String) throws {
    if !condition { throw Violation(description: message) }
  }
}

extension XMLElement {
  /// The value of the attribute `name`, if the element has it.
  fileprivate func attribute(_ name: String) -> String? {
    attribute(forName: name)?.stringValue
  }
}
