// swift-tools-version:6.1
import Foundation
import PackageDescription

// libFuzzer targets for Descent's readers of untrusted files. Fuzz/run.sh builds them with
// --sanitize=fuzzer and --sanitize=address in a scratch folder of their own; the root package
// does not know about them, so `swift build` there never compiles them (docs/fuzzing.md).

// A path dependency is identified by its folder's name, which is the clone's.
let root = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent()
let descent = Target.Dependency.product(name: "Descent", package: root.lastPathComponent)

let package = Package(
  name: "DescentFuzz",
  dependencies: [.package(path: root.path)],
  targets: [
    .target(name: "FuzzSupport", dependencies: [descent]),
    .executableTarget(name: "FuzzExperiment", dependencies: [descent, "FuzzSupport"]),
    .executableTarget(name: "FuzzCSV", dependencies: [descent, "FuzzSupport"]),
    .executableTarget(name: "FuzzIDX", dependencies: [descent, "FuzzSupport"]),
  ]
)
