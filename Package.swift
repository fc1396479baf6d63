// swift-tools-version: 6.0
import PackageDescription

let grdb = Target.Dependency.product(name: "GRDB", package: "GRDB.swift")
let yams = Target.Dependency.product(name: "Yams", package: "Yams")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")
let plot = Target.Dependency.product(name: "Plot", package: "Plot")

/// The libFuzzer harness (Sources/StrataFuzz) exists only for scripts/fuzz:
/// libFuzzer supplies its `main`, so an ordinary build could not link it.
let fuzzing = Context.environment["STRATA_FUZZ"] == "1"
let fuzzTargets: [Target] =
  fuzzing
  ? [
    .executableTarget(
      name: "StrataFuzz", dependencies: ["StrataClient", "StrataConfig", "StrataEval", "StrataTelemetry"],
      swiftSettings: [.unsafeFlags(["-parse-as-library"])])
  ] : []

let package = Package(
  name: "strata",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "strata", targets: ["strata"]),
    .library(name: "StrataRun", targets: ["StrataRun"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    // The textfile collector's format: label escaping and HELP/TYPE grouping done by the
    // Prometheus project's Swift client (with swift-atomics and swift-metrics: ~40 s of build).
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    // The HTML report and its SVG charts as a tree of elements that escapes text, rather than
    // concatenated strings; no dependencies of its own (~6 s of build).
    .package(url: "https://github.com/JohnSundell/Plot", from: "0.14.0"),
  ],
  targets: [
    // libcurl through pkg-config; the shim wraps curl's variadic setopt calls.
    .systemLibrary(
      name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
      providers: [.apt(["libcurl4-openssl-dev"])]),
    .systemLibrary(
      name: "CVulkan", path: "Sources/CVulkan", pkgConfig: "vulkan", providers: [.apt(["libvulkan-dev"])]),
    .systemLibrary(
      name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
    .systemLibrary(name: "CDRM", path: "Sources/CDRM", pkgConfig: "libdrm", providers: [.apt(["libdrm-dev"])]),
    // glibc calls declared only under _GNU_SOURCE (posix_spawn's closefrom, thread names), and the
    // code sandbox's fork/exec, whose child must stay async-signal-safe (no Swift runtime).
    .target(name: "CStrataSys"),
    // The memory-bandwidth probe's triad: optimised even in a debug build, since a figure
    // measured through -O0 code would be the compiler's, not the memory's (11 GB/s against 28 here).
    .target(name: "CStrataStream", cSettings: [.unsafeFlags(["-O2"])]),
    .target(name: "StrataConfig", dependencies: [yams]),
    .target(name: "StrataTelemetry", dependencies: ["CStrataSys", "CStrataStream", "CVulkan", "CDRM"]),
    .target(name: "StrataMatrix", dependencies: ["StrataConfig"]),
    .target(name: "StrataEngine", dependencies: ["CStrataSys", "StrataConfig", "StrataClient"]),
    .target(name: "StrataClient", dependencies: ["CCurl"]),
    .target(name: "StrataEval", dependencies: ["CStrataSys", "StrataConfig", "StrataClient"]),
    .target(name: "StrataStore", dependencies: [grdb]),
    .target(name: "StrataHub", dependencies: ["CCrypto", "StrataClient", "StrataConfig", "StrataGGUF"]),
    .target(name: "StrataGGUF"),
    .target(
      name: "StrataReport", dependencies: ["StrataStore", "StrataEval", "StrataConfig", "StrataGGUF", prometheus, plot]),
    .target(
      name: "StrataRun",
      dependencies: [
        "StrataConfig", "StrataMatrix", "StrataEngine", "StrataClient", "StrataEval",
        "StrataStore", "StrataReport", "StrataTelemetry", "StrataHub", "StrataGGUF",
      ]),
    .executableTarget(
      name: "strata",
      dependencies: [
        "StrataRun", "StrataReport", "StrataEval", "StrataConfig", "StrataHub", "StrataTelemetry", argumentParser,
      ]),

    .testTarget(name: "StrataConfigTests", dependencies: ["StrataConfig"], resources: [.copy("Fixtures")]),
    .testTarget(
      name: "StrataTelemetryTests", dependencies: ["StrataTelemetry", "StrataTestSupport"],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "StrataMatrixTests", dependencies: ["StrataMatrix", "StrataConfig"]),
    // Shared by the test targets that start llama-server (a plain target: test
    // targets cannot depend on each other).
    .target(
      name: "StrataTestSupport", dependencies: ["StrataConfig", "StrataClient"], path: "Tests/StrataTestSupport"),
    .testTarget(name: "StrataClientTests", dependencies: ["StrataClient", "StrataTestSupport"]),
    // Fixtures are read from beside the tests (#filePath), not copied into the bundle.
    .testTarget(
      name: "StrataEngineTests", dependencies: ["StrataEngine", "StrataConfig", "StrataTestSupport"],
      exclude: ["Fixtures"]),
    .testTarget(name: "StrataEvalTests", dependencies: ["StrataEval", "StrataConfig", "StrataTestSupport"]),
    .testTarget(name: "StrataStoreTests", dependencies: ["StrataStore"]),
    .testTarget(name: "StrataGGUFTests", dependencies: ["StrataGGUF", "StrataTestSupport"]),
    .testTarget(
      name: "StrataHubTests", dependencies: ["StrataHub", "StrataConfig", "StrataGGUF", "StrataTestSupport"]),
    .testTarget(
      name: "StrataRunTests",
      dependencies: [
        "StrataRun", "StrataStore", "StrataTelemetry", "StrataConfig", "StrataMatrix", "StrataEngine", "StrataClient",
        "StrataTestSupport", "StrataGGUF", grdb,
      ]),
    .testTarget(
      name: "StrataReportTests", dependencies: ["StrataReport", "StrataStore"], exclude: ["Snapshots"]),
    .testTarget(
      name: "StrataIntegrationTests",
      dependencies: [
        "StrataRun", "StrataReport", "StrataStore", "StrataConfig", "StrataTelemetry", "StrataEngine", "StrataEval",
        "StrataClient", "StrataTestSupport", "StrataGGUF",
      ]),
  ] + fuzzTargets,
  swiftLanguageModes: [.v6]
)
