// swift-tools-version:6.1
import PackageDescription

// The matrix-product kernels are compiled once per instruction set and chosen at run time from
// the CPU's features (docs/performance.md). On other architectures they build for the host.
#if arch(x86_64)
let avx512: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-target-cpu", "skylake-avx512"])]
// AVX2 has 16 vector registers: its tile is 6 x 16 floats (DESCENT_VECTOR8), where AVX-512's
// is 8 x 32. LLVM's machine scheduler, which hoists a tile's broadcasts ahead of their
// multiply-adds, makes the 12-row narrow tile spill its sums on 16 registers; without it the
// kernels keep the source's order, which is already the one that fits.
let avx2: [SwiftSetting] = [
  .unsafeFlags(["-Ounchecked", "-target-cpu", "haswell", "-Xllvm", "-enable-misched=false"]),
  .define("DESCENT_VECTOR8"),
]
#else
// arm64: both kernel targets build the 8-float tile (6 x 16: twelve sums in 24 of NEON's 32
// 128-bit registers, two to a vector) for the host; Descent names it `neon`.
let avx512: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"]), .define("DESCENT_VECTOR8")]
let avx2: [SwiftSetting] = [
  .unsafeFlags(["-Ounchecked", "-Xllvm", "-enable-misched=false"]), .define("DESCENT_VECTOR8"),
]
#endif

let package = Package(
  name: "Descent",
  products: [
    .library(name: "Descent", targets: ["Descent", "DescentEngine"]),
    .executable(name: "descent", targets: ["DescentCLI"]),
  ],
  dependencies: [
    .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
    .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    .package(url: "https://github.com/apple/swift-numerics", exact: "1.1.1"),
  ],
  targets: [
    // The numeric engine: tensors, layers, losses, optimizers, schedules and training. It
    // imports no Foundation and knows no files, YAML or command line, which the build enforces.
    .target(
      name: "DescentEngine",
      dependencies: [
        "CPUFeatures", "DescentKernelsAVX512", "DescentKernelsAVX2",
        .product(name: "RealModule", package: "swift-numerics"),
      ]
    ),
    // Experiments: the experiment file, data files, the runner, results, reports and studies.
    .target(
      name: "Descent",
      dependencies: [
        "DescentEngine", "CZlib",
        .product(name: "Yams", package: "Yams"),
        .product(name: "RealModule", package: "swift-numerics"),
      ],
      // The built-in data sets, compiled into the binary.
      resources: [
        .embedInCode("Data/Builtin/digits.csv"), .embedInCode("Data/Builtin/iris.csv"),
      ]
    ),
    .target(name: "CPUFeatures"),
    // gzip-compressed data files are read with the system's zlib (Debian: zlib1g-dev).
    .systemLibrary(
      name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
      providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
    .target(name: "MallocCounter"),
    .target(name: "DescentKernelsAVX512", swiftSettings: avx512),
    .target(name: "DescentKernelsAVX2", swiftSettings: avx2),
    .executableTarget(
      name: "DescentCLI",
      dependencies: [
        "Descent", "DescentEngine",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(
      name: "DescentTests",
      dependencies: ["Descent", "DescentEngine", "MallocCounter", "CZlib"],
      resources: [.copy("Fixtures")]
    ),
  ]
)
