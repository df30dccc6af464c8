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
        .library(name: "MessageBus", targets: ["MessageBus"]),
        .library(name: "MessageBusSQLite", targets: ["MessageBusSQLite"]),
        .library(name: "MessageBusWebhook", targets: ["MessageBusWebhook"]),
        .library(name: "MessageBusTesting", targets: ["MessageBusTesting"]),
        .library(name: "MessageSecurity", targets: ["MessageSecurity"]),
        .library(name: "DatatypeChannel", targets: ["DatatypeChannel"]),
        .library(name: "Heartbeat", targets: ["Heartbeat"]),
        .library(name: "ChannelAdapter", targets: ["ChannelAdapter"]),
        .library(name: "ChannelAdapterSQLite", targets: ["ChannelAdapterSQLite"]),
        .library(name: "ChannelAdapterTesting", targets: ["ChannelAdapterTesting"]),
        .library(name: "ChannelAdapterHTTP", targets: ["ChannelAdapterHTTP"]),
        .library(name: "CQRS", targets: ["CQRS"]),
        .library(name: "CQRSSQLite", targets: ["CQRSSQLite"]),
        .executable(name: "eip", targets: ["eip"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/pointfreeco/swift-clocks.git", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
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
        .target(
            name: "MessageBus",
            dependencies: [
                "Messaging",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .target(
            name: "MessageBusSQLite",
            dependencies: [
                "MessageBus",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .target(
            name: "MessageBusWebhook",
            dependencies: [
                "MessageBus",
                "MessageSecurity",
                "Messaging",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .target(
            name: "MessageBusTesting",
            dependencies: [
                "InMemoryTransport",
                "MessageBus",
                "Messaging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .target(
            name: "MessageSecurity",
            dependencies: [
                "MessageBus",
                "Messaging",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .target(
            name: "DatatypeChannel",
            dependencies: [
                "MessageBus",
                "Messaging",
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .target(
            name: "Heartbeat",
            dependencies: [
                "MessageBus",
                "Messaging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .target(
            name: "ChannelAdapter",
            dependencies: [
                "MessageBus",
                "Messaging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .target(
            name: "ChannelAdapterSQLite",
            dependencies: [
                "ChannelAdapter",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .target(
            name: "ChannelAdapterTesting",
            dependencies: [
                "ChannelAdapter",
                "MessageBusTesting",
            ],
            swiftSettings: strictSwiftSettings
        ),
        .target(
            name: "ChannelAdapterHTTP",
            dependencies: [
                "ChannelAdapter",
                "MessageBus",
                "MessageSecurity",
                "Messaging",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .target(
            name: "CQRS",
            dependencies: [
                "MessageBus",
                "Messaging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .target(
            name: "CQRSSQLite",
            dependencies: [
                "CQRS",
                "MessageBus",
                "Messaging",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .target(
            name: "ExampleSupport",
            dependencies: [
                "InMemoryTransport",
                "KafkaTransport",
                "Messaging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/ExampleSupport",
            exclude: ["README.md"],
            swiftSettings: strictSwiftSettings
        ),
        .executableTarget(
            name: "MessageBusExample",
            dependencies: [
                "ExampleSupport",
                "MessageBus",
                "MessageBusSQLite",
                "MessageSecurity",
                "Messaging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/MessageBus",
            exclude: ["README.md"],
            swiftSettings: strictSwiftSettings
        ),
        .executableTarget(
            name: "DatatypeChannelExample",
            dependencies: [
                "DatatypeChannel",
                "ExampleSupport",
                "MessageBus",
                "Messaging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/DatatypeChannel",
            exclude: ["README.md"],
            swiftSettings: strictSwiftSettings
        ),
        .executableTarget(
            name: "CQRSExample",
            dependencies: [
                "CQRS",
                "CQRSSQLite",
                "ExampleSupport",
                "Heartbeat",
                "MessageBus",
                "MessageBusWebhook",
                "Messaging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/CQRS",
            exclude: ["README.md"],
            swiftSettings: strictSwiftSettings
        ),
        .executableTarget(
            name: "ChannelAdapterExample",
            dependencies: [
                "ChannelAdapter",
                "ChannelAdapterHTTP",
                "ChannelAdapterSQLite",
                "ExampleSupport",
                "MessageBus",
                "MessageSecurity",
                "Messaging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/ChannelAdapter",
            exclude: ["README.md"],
            swiftSettings: strictSwiftSettings
        ),
        .executableTarget(
            name: "eip",
            dependencies: [
                "KafkaTransport",
                "MessageBus",
                "MessageSecurity",
                "Messaging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Examples/eip",
            exclude: ["README.md"],
            swiftSettings: strictSwiftSettings
        ),
        .target(
            name: "CRawKafka",
            dependencies: ["CRdKafka"],
            path: "Benchmarks/CRawKafka"
        ),
        .executableTarget(
            name: "integration-bench",
            dependencies: [
                "ChannelAdapter",
                "ChannelAdapterHTTP",
                "CQRS",
                "CQRSSQLite",
                "CRawKafka",
                "DatatypeChannel",
                "Heartbeat",
                "InMemoryTransport",
                "KafkaTransport",
                "MessageBus",
                "MessageSecurity",
                "Messaging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Benchmarks/IntegrationBench",
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
            dependencies: [
                "ExampleTesting",
                "KafkaTransport",
                "MessagingTesting",
                "Messaging",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .testTarget(
            name: "MessageBusTests",
            dependencies: [
                "MessageBus",
                "MessageBusTesting",
                "Messaging",
                "InMemoryTransport",
                "KafkaTransport",
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .testTarget(
            name: "MessageBusSQLiteTests",
            dependencies: [
                "MessageBus",
                "MessageBusSQLite",
                "MessageBusTesting",
                "Messaging",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .testTarget(
            name: "MessageBusWebhookTests",
            dependencies: [
                "MessageBus",
                "MessageBusWebhook",
                "MessageSecurity",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .testTarget(
            name: "MessageSecurityTests",
            dependencies: [
                "InMemoryTransport",
                "KafkaTransport",
                "MessageBus",
                "MessageBusTesting",
                "MessageSecurity",
                "Messaging",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .testTarget(
            name: "DatatypeChannelTests",
            dependencies: [
                "DatatypeChannel",
                "MessageBus",
                "MessageBusTesting",
                "Messaging",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .testTarget(
            name: "HeartbeatTests",
            dependencies: [
                "Heartbeat",
                "InMemoryTransport",
                "MessageBus",
                "MessageBusTesting",
                "Messaging",
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .testTarget(
            name: "ChannelAdapterTests",
            dependencies: [
                "ChannelAdapter",
                "ChannelAdapterSQLite",
                "ChannelAdapterTesting",
                "InMemoryTransport",
                "MessageBus",
                "MessageBusTesting",
                "Messaging",
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .testTarget(
            name: "ChannelAdapterHTTPTests",
            dependencies: [
                "ChannelAdapter",
                "ChannelAdapterHTTP",
                "ChannelAdapterSQLite",
                "ChannelAdapterTesting",
                "InMemoryTransport",
                "MessageBus",
                "MessageBusTesting",
                "MessageSecurity",
                "Messaging",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .testTarget(
            name: "CQRSTests",
            dependencies: [
                "CQRS",
                "CQRSSQLite",
                "InMemoryTransport",
                "KafkaTransport",
                "MessageBus",
                "MessageBusTesting",
                "Messaging",
                .product(name: "Clocks", package: "swift-clocks"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .testTarget(
            name: "MessageBusExampleTests",
            dependencies: [
                "ExampleSupport",
                "ExampleTesting",
                "MessageBusExample",
                "InMemoryTransport",
                "KafkaTransport",
                "MessageSecurity",
                "Messaging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSwiftSettings
        ),
        .executableTarget(
            name: "DocumentationSampleGenerator",
            path: "Plugins/DocumentationSampleGenerator",
            swiftSettings: strictSwiftSettings
        ),
        .plugin(
            name: "DocumentationSamples",
            capability: .buildTool(),
            dependencies: ["DocumentationSampleGenerator"]
        ),
        .testTarget(
            name: "DocumentationSampleTests",
            dependencies: [
                "ChannelAdapter",
                "ChannelAdapterHTTP",
                "ChannelAdapterSQLite",
                "ChannelAdapterTesting",
                "CQRS",
                "CQRSSQLite",
                "DatatypeChannel",
                "ExampleSupport",
                "Heartbeat",
                "InMemoryTransport",
                "KafkaTransport",
                "MessageBus",
                "MessageBusSQLite",
                "MessageBusTesting",
                "MessageBusWebhook",
                "MessageSecurity",
                "Messaging",
                "MessagingTesting",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strictSwiftSettings,
            plugins: ["DocumentationSamples"]
        ),
        .target(
            name: "ExampleTesting",
            dependencies: [
                "Messaging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Tests/ExampleTesting",
            swiftSettings: strictSwiftSettings
        ),
        .testTarget(
            name: "DatatypeChannelExampleTests",
            dependencies: [
                "DatatypeChannel",
                "DatatypeChannelExample",
                "ExampleSupport",
                "ExampleTesting",
                "InMemoryTransport",
                "KafkaTransport",
                "Messaging",
            ],
            swiftSettings: strictSwiftSettings
        ),
        .testTarget(
            name: "CQRSExampleTests",
            dependencies: [
                "CQRS",
                "CQRSExample",
                "ExampleSupport",
                "ExampleTesting",
                "InMemoryTransport",
                "KafkaTransport",
                "Messaging",
            ],
            swiftSettings: strictSwiftSettings
        ),
        .testTarget(
            name: "ChannelAdapterExampleTests",
            dependencies: [
                "ChannelAdapterExample",
                "ExampleSupport",
                "ExampleTesting",
                "InMemoryTransport",
                "KafkaTransport",
                "Messaging",
            ],
            swiftSettings: strictSwiftSettings
        ),
        .testTarget(
            name: "EIPTests",
            dependencies: [
                "DatatypeChannelExample",
                "eip",
                "ExampleSupport",
                "ExampleTesting",
                "InMemoryTransport",
                "KafkaTransport",
                "MessageSecurity",
                "Messaging",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strictSwiftSettings
        ),
    ]
)
