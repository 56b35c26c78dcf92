// swift-tools-version:6.0
import PackageDescription

// The tests' own code is compiled without optimization, one file at a time, in the release build too: what
// they exercise is compiled optimized, and optimizing (whole-module) the test targets' code cost a fifth of a
// build from scratch without making the tests faster.
let testCodeSettings: [SwiftSetting] = [
    .unsafeFlags(["-Onone", "-no-whole-module-optimization"], .when(configuration: .release))
]

let package = Package(
    name: "wsspec",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "wsspec", targets: ["wsspec"]),
        .library(name: "WebSocketWire", targets: ["WebSocketWire"]),
        .library(name: "CaseModel", targets: ["CaseModel"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "Harness", targets: ["Harness"]),
        .library(name: "ReportFormat", targets: ["ReportFormat"]),
        .library(name: "Testee", targets: ["Testee"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
    ],
    targets: [
        // The system's zlib (raw deflate for permessage-deflate, RFC 7692); needs zlib1g-dev on Debian/Ubuntu.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .target(
            name: "WebSocketWire",
            dependencies: [
                "CZlib", .product(name: "NIOCore", package: "swift-nio"), .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // What happened in a case, as values, and the typed verdicts: below the engine and the reports.
        .target(name: "Recording", dependencies: ["WebSocketWire"]),
        .target(
            name: "CaseModel",
            dependencies: ["WebSocketWire", "Recording", .product(name: "Yams", package: "Yams")]
        ),
        // The suite in Cases/ built into the binary, so that wsspec needs no files beside it (see the plugin).
        .target(name: "BuiltinSuite", dependencies: ["CaseModel"], plugins: ["EmbedSuite"]),
        .plugin(name: "EmbedSuite", capability: .buildTool()),
        // JSON in the reference's dialect (Python 2's json module), with positions for error messages.
        .target(name: "JSONCodec"),
        // The state machines of a case, the case driver and the judge: no sockets, no clock, no reports.
        .target(
            name: "Engine",
            dependencies: ["WebSocketWire", "CaseModel", "Recording", .product(name: "NIOCore", package: "swift-nio")]
        ),
        // The edge: NIO connections (TCP, TLS), the scheduler, shards, the spec file, the run.
        .target(
            name: "Harness",
            dependencies: [
                "WebSocketWire", "CaseModel", "Recording", "Engine", "JSONCodec",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ]
        ),
        // A run as a library: the plan (flags over the spec file), scheduling, reports written as cases end,
        // interruption. Its own target so that Harness stays the edge (connections, scheduler, spec file) without
        // the report writer and the built-in echo server; it never sees Rendering: printing and HTML come from
        // the executable.
        .target(
            name: "Orchestration",
            dependencies: [
                "CaseModel", "Recording", "Engine", "Harness", "ReportFormat", "Testee", "WebSocketWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // `wsspec fuzz`: sequences generated from a seed, judged by a model of RFC 6455, shrunk into case files.
        .target(
            name: "Fuzzing",
            dependencies: ["CaseModel", "Recording", "Engine", "Harness", "WebSocketWire", .product(name: "NIOCore", package: "swift-nio")]
        ),
        // The reference's report format: per-case JSON, index.json, atomic report files, reading them back.
        .target(name: "ReportFormat", dependencies: ["Recording", "JSONCodec"]),
        // Which outcomes pass: policies, baselines, JUnit, the exit code.
        .target(name: "Gating", dependencies: ["ReportFormat", "JSONCodec", "CaseModel", .product(name: "Yams", package: "Yams")]),
        // HTML pages, the console's summaries and progress.
        .target(
            name: "Rendering",
            dependencies: [
                "ReportFormat", "Gating", "Recording", "JSONCodec", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "Testee",
            dependencies: [
                "WebSocketWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ]
        ),
        .executableTarget(
            name: "wsspec",
            dependencies: [
                "WebSocketWire", "CaseModel", "BuiltinSuite", "Recording", "Engine", "Harness", "Orchestration",
                "JSONCodec", "ReportFormat", "Gating", "Rendering", "Testee", "Fuzzing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "WebSocketWireTests",
            dependencies: ["WebSocketWire", "CZlib", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: testCodeSettings
        ),
        .testTarget(name: "CaseModelTests", dependencies: ["CaseModel", "BuiltinSuite"], swiftSettings: testCodeSettings),
        .testTarget(
            name: "ReportsTests",
            dependencies: ["ReportFormat", "Gating", "Rendering", "Recording", "JSONCodec", "CaseModel", "WebSocketWire"],
            swiftSettings: testCodeSettings
        ),
        .testTarget(
            name: "FuzzerTests",
            dependencies: [
                "Engine", "Harness", "Orchestration", "CaseModel", "Recording", "JSONCodec", "WebSocketWire", "Fuzzing",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            ],
            swiftSettings: testCodeSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "Engine", "Harness", "CaseModel", "Recording", "JSONCodec", "ReportFormat", "Gating", "Rendering", "Testee",
                "WebSocketWire", "Orchestration", "Fuzzing",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
            ],
            swiftSettings: testCodeSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
