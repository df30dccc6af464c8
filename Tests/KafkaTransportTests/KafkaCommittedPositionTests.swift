import Foundation
import KafkaTransport
import Messaging
import Testing

/// A member that cannot read its group's committed positions when it is given partitions.
@Suite("KafkaTransport committed positions")
struct KafkaCommittedPositionTests {
    /// Starting at either end of a partition whose position is unknown would skip (latest) or
    /// repeat (earliest) what the group has not consumed; librdkafka reads the position itself.
    @Test("A refused read of the committed positions neither skips nor repeats a message")
    func refusedOffsetFetch() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("positions", partitions: 4, replicationFactor: 1)
        let configuration = testConfiguration(cluster.bootstrapServers)
        let messages = numberedMessages(100, prefix: "positions")
        let first = try KafkaTransport(configuration: configuration)
        try await first.publish(messages, to: "positions")
        let deliveries = try await first.subscribe(
            to: "positions",
            group: "ledger",
            options: SubscriptionOptions(startPosition: .earliest, prefetch: 40)
        )
        var iterator = deliveries.makeAsyncIterator()
        var settled: Set<String> = []
        for _ in 0..<40 {
            let delivery = try #require(try await iterator.next())
            try delivery.acknowledge()
            settled.insert(delivery.message.id)
        }
        await first.shutdown()

        // OffsetFetch (API key 9) refused with GROUP_AUTHORIZATION_FAILED (30), once.
        cluster.failNextRequests(KafkaMockCluster.APIKey(rawValue: 9), with: [KafkaMockCluster.ErrorCode(rawValue: 30)])
        let second = try KafkaTransport(configuration: configuration)
        let rest = try await second.subscribe(
            to: "positions",
            group: "ledger",
            options: SubscriptionOptions(startPosition: .latest)
        )
        let received = Received()
        try await consume(60, from: [rest], into: received, timeout: .seconds(60))
        #expect(received.distinct == Set(messages.map(\.id)).subtracting(settled), "a message was skipped or repeated")
        await second.shutdown()
    }
}
