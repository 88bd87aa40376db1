// swift-tools-version:6.1
import PackageDescription

let package = Package(
  name: "Descent",
  products: [
    .library(name: "Descent", targets: ["Descent"]),
    .executable(name: "descent", targets: ["DescentCLI"]),
  ],
  dependencies: [
    .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
    .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    .package(url: "https://github.com/apple/swift-numerics", exact: "1.1.1"),
  ],
  targets: [
    .target(
      name: "Descent",
      dependencies: [
        .product(name: "Yams", package: "Yams"),
        .product(name: "RealModule", package: "swift-numerics"),
      ]
    ),
    .executableTarget(
      name: "DescentCLI",
      dependencies: [
        "Descent",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(
      name: "DescentTests",
      dependencies: ["Descent"],
      resources: [.copy("Fixtures")]
    ),
  ]
)
