import Foundation
import InMemoryLogging
import KafkaTransport
import Logging
import Messaging
import Testing

/// Shutting down while the brokers are unreachable ends within the configured bound, says what it
/// could not do, and tells no publisher that an unacknowledged message was written.
@Suite("KafkaTransport shutdown")
struct KafkaShutdownTests {
    /// The member's group session (5 minutes here) is far longer than the bound: a commit that
    /// waited for the coordinator held the shutdown that long.
    @Test("A member and a producer whose cluster is gone stop within the shutdown timeout")
    func clusterGone() async throws {
        var cluster: KafkaMockCluster? = try KafkaMockCluster(brokers: 1)
        try cluster!.createTopic("gone.orders", partitions: 4, replicationFactor: 1)
        var configuration = testConfiguration(cluster!.bootstrapServers)
        configuration.consumer.sessionTimeout = .seconds(300)
        configuration.consumer.heartbeatInterval = .seconds(3)
        configuration.shutdownTimeout = .seconds(2)
        let handler = InMemoryLogHandler()
        let transport = try KafkaTransport(configuration: configuration, logger: Logger(label: "gone") { _ in handler })
        let published = numberedMessages(20, prefix: "gone")
        try await transport.publish(published, to: "gone.orders")
        let deliveries = try await transport.subscribe(
            to: "gone.orders",
            group: "billing",
            options: SubscriptionOptions(startPosition: .earliest)
        )
        var iterator = deliveries.makeAsyncIterator()
        for _ in 0..<5 {
            try #require(try await iterator.next()).acknowledge()
        }
        cluster = nil
        // Accepted by the producer, never acknowledged by a broker.
        let unacknowledged = Task {
            try await transport.publish(numberedMessages(3, prefix: "late"), to: "gone.orders")
        }
        let start = ContinuousClock.now
        await transport.shutdown()
        let took = start.duration(to: .now)
        // Two steps of at most 2 s each. The rest is room for a machine so loaded that tests wait
        // a minute to be scheduled, still far below the 5-minute session an unbounded commit
        // waits for.
        #expect(took < .seconds(150), "shutdown took \(took)")
        await #expect(throws: MessagingError.self, "a publish no broker acknowledged succeeded") {
            try await unacknowledged.value
        }
        #expect(
            handler.entries.contains { $0.message.description.hasPrefix("Committing positions failed") },
            "the positions that could not be committed were not logged"
        )
    }
}
