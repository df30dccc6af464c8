import ArgumentParser
import Foundation
import KafkaTransport
import ServiceLifecycle

/// `eip kafka-mock`: librdkafka's mock cluster, for trying the Kafka mode without Kafka.
struct KafkaMock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka-mock",
        abstract: "Run librdkafka's mock Kafka cluster until Ctrl-C.",
        discussion: """
            Prints the bootstrap address on standard output, alone on the first line, then serves \
            Kafka clients in other processes on it. Topics are created on first use. Everything is \
            kept in memory and lost when the cluster stops.
            """
    )

    @Option(help: "How many brokers the cluster has.")
    var brokers = 3

    @Option(name: .customLong("topic"), help: "A topic to create at start, as NAME or NAME:PARTITIONS; repeatable.")
    var topics: [String] = []

    func validate() throws {
        guard (1...16).contains(brokers) else {
            throw ValidationError("--brokers must be from 1 to 16; got \(brokers)")
        }
        _ = try topicShapes()
    }

    func run() async throws {
        EIP.bootstrapLogging()
        let cluster = try KafkaMockCluster(brokers: brokers)
        for (name, partitions) in try topicShapes() {
            try cluster.createTopic(name, partitions: partitions)
        }
        emit(cluster.bootstrapServers)
        FileHandle.standardError.write(
            Data(
                """
                Mock Kafka cluster with \(brokers) broker(s) at \(cluster.bootstrapServers). Press Ctrl-C to stop.
                Try: swift run MessageBusExample --kafka \(cluster.bootstrapServers) --role sales

                """.utf8
            )
        )
        let group = ServiceGroup(
            configuration: .init(
                services: [UntilShutdown()],
                gracefulShutdownSignals: [.sigint, .sigterm],
                logger: .init(label: "eip")
            )
        )
        try await group.run()
        withExtendedLifetime(cluster) {}
    }

    private func topicShapes() throws -> [(String, Int)] {
        try topics.map { topic in
            let parts = topic.split(separator: ":", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), !parts[0].isEmpty,
                let partitions = parts.count == 2 ? Int(parts[1]) : 1, partitions > 0
            else {
                throw ValidationError(
                    "--topic expects NAME or NAME:PARTITIONS with at least 1 partition; got '\(topic)'"
                )
            }
            return (String(parts[0]), partitions)
        }
    }
}

/// A service that does nothing until the group shuts down.
private struct UntilShutdown: Service {
    func run() async throws {
        try? await gracefulShutdown()
    }
}
