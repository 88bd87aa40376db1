import Foundation

/// A problem with something the user gave Descent, located as precisely as the input allows and
/// printed the way compilers print errors: `file:line:column: key: message`.
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
  /// The file the problem is in, as the user named it.
  public var file: String
  public var line: Int?
  public var column: Int?
  /// The dotted key of the setting at fault, such as `optimizer.momentum`.
  public var key: String?
  /// What is wrong and what is expected.
  public var message: String

  public init(
    file: String, line: Int? = nil, column: Int? = nil, key: String? = nil, message: String
  ) {
    self.file = file
    self.line = line
    self.column = column
    self.key = key
    self.message = message
  }

  public var description: String {
    var location = file
    if let line {
      location += ":\(line)"
      if let column { location += ":\(column)" }
    }
    if let key, !key.isEmpty { return "\(location): \(key): \(message)" }
    return "\(location): \(message)"
  }
}

/// Every problem found in one input, reported together.
public struct Diagnostics: Error, Sendable, CustomStringConvertible {
  public var problems: [Diagnostic]

  public init(_ problems: [Diagnostic]) {
    self.problems = problems
  }

  public var description: String {
    problems.map(\.description).joined(separator: "\n")
  }
}

extension Diagnostic {
  /// Why a file could not be read, as a message says it: "no such file", "permission denied",
  /// "it is a folder", or the system's words.
  static func reason(reading error: any Error) -> String {
    let error = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError ?? error as NSError
    guard error.domain == NSPOSIXErrorDomain else { return error.localizedDescription }
    switch POSIXErrorCode(rawValue: Int32(error.code)) {
    case .ENOENT: return "no such file"
    case .EACCES: return "permission denied"
    case .EISDIR: return "it is a folder"
    default: return error.localizedDescription
    }
  }
}
