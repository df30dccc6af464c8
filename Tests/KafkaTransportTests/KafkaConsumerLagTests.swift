import Foundation
import KafkaTransport
import Messaging
import Testing

/// Consumer lag on Kafka: the high watermark against the group's committed position.
@Suite("KafkaTransport consumer lag")
struct KafkaConsumerLagTests {
    @Test("100 published, 40 acknowledged: the group's lag is 60")
    func lagAfterAcknowledgements() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("lag.orders", partitions: 4, replicationFactor: 1)
        let transport = try KafkaTransport(configuration: testConfiguration(cluster.bootstrapServers))
        try await transport.publish(numberedMessages(100, prefix: "lag"), to: "lag.orders")
        #expect(await transport.consumerLag(of: "billing", on: "lag.orders") == 100, "a new group lags by everything")
        let deliveries = try await transport.subscribe(
            to: "lag.orders",
            group: "billing",
            options: SubscriptionOptions(startPosition: .earliest, prefetch: 40)
        )
        var iterator = deliveries.makeAsyncIterator()
        for _ in 0..<40 {
            try #require(try await iterator.next()).acknowledge()
        }
        // Positions are committed every 200 ms.
        try await waitUntil("the group's lag is 60") {
            await transport.consumerLag(of: "billing", on: "lag.orders") == 60
        }
        let byPartition = try await transport.consumerLagByPartition(of: "billing", on: "lag.orders")
        #expect(byPartition.keys.sorted() == [0, 1, 2, 3])
        #expect(byPartition.values.reduce(0, +) == 60)
        await transport.shutdown()
    }

    @Test("The lag of a topic the cluster does not have is an invalidTopic error")
    func unknownTopic() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let transport = try KafkaTransport(configuration: testConfiguration(cluster.bootstrapServers))
        let error = await #expect(throws: MessagingError.self) {
            try await transport.consumerLagByPartition(of: "billing", on: "lag.missing")
        }
        #expect(error?.code == .invalidTopic)
        #expect(await transport.consumerLag(of: "billing", on: "lag.missing") == nil)
        await transport.shutdown()
    }
}
