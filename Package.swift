// swift-tools-version:6.2
import PackageDescription

let strictSwiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "swift-integration-patterns",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Messaging", targets: ["Messaging"]),
        .library(name: "InMemoryTransport", targets: ["InMemoryTransport"]),
        .library(name: "MessagingTesting", targets: ["MessagingTesting"]),
        .library(name: "KafkaTransport", targets: ["KafkaTransport"]),
        .executable(name: "InMemoryDemo", targets: ["InMemoryDemo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
    ],
    targets: [
        .target(
            name: "Messaging",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .target(
            name: "InMemoryTransport",
            dependencies: [
                "Messaging",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .target(
            name: "MessagingTesting",
            dependencies: ["Messaging"],
            swiftSettings: strictSwiftSettings
        ),
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"]), .brew(["librdkafka"])]
        ),
        .target(
            name: "KafkaTransport",
            dependencies: [
                "CRdKafka",
                "Messaging",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .executableTarget(
            name: "InMemoryDemo",
            dependencies: ["Messaging", "InMemoryTransport"],
            path: "Examples/InMemoryDemo",
            exclude: ["README.md"],
            swiftSettings: strictSwiftSettings
        ),
        .testTarget(
            name: "MessagingTests",
            dependencies: ["Messaging"],
            swiftSettings: strictSwiftSettings
        ),
        .testTarget(
            name: "InMemoryTransportTests",
            dependencies: [
                "InMemoryTransport",
                "MessagingTesting",
                "Messaging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .testTarget(
            name: "KafkaTransportTests",
            dependencies: ["KafkaTransport", "MessagingTesting", "Messaging"],
            swiftSettings: strictSwiftSettings
        ),
    ]
)
