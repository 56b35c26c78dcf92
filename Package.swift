// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "wsspec",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "wsspec", targets: ["wsspec"]),
        .library(name: "WebSocketWire", targets: ["WebSocketWire"]),
        .library(name: "CaseModel", targets: ["CaseModel"]),
        .library(name: "Fuzzer", targets: ["Fuzzer"]),
        .library(name: "Reports", targets: ["Reports"]),
        .library(name: "Testee", targets: ["Testee"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
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
            dependencies: ["CZlib", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(
            name: "CaseModel",
            dependencies: ["WebSocketWire", .product(name: "Yams", package: "Yams")]
        ),
        // The suite in Cases/ built into the binary, so that wsspec needs no files beside it (see the plugin).
        .target(name: "BuiltinSuite", dependencies: ["CaseModel"], plugins: ["EmbedSuite"]),
        .plugin(name: "EmbedSuite", capability: .buildTool()),
        .target(
            name: "Reports",
            dependencies: ["CaseModel", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "Fuzzer",
            dependencies: [
                "WebSocketWire", "CaseModel", "Reports",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(
            name: "Testee",
            dependencies: [
                "WebSocketWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .executableTarget(
            name: "wsspec",
            dependencies: [
                "WebSocketWire", "CaseModel", "BuiltinSuite", "Fuzzer", "Reports", "Testee",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "WebSocketWireTests",
            dependencies: ["WebSocketWire", "CZlib", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(name: "CaseModelTests", dependencies: ["CaseModel", "BuiltinSuite"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "CaseModel"]),
        .testTarget(name: "FuzzerTests", dependencies: ["Fuzzer", "CaseModel", "Reports", "WebSocketWire"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "Fuzzer", "CaseModel", "Reports", "Testee", "WebSocketWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
