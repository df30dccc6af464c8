import Foundation
import Messaging
import Testing

@testable import KafkaTransport

/// How a member keeps to its prefetch: it stops polling while it holds that many unsettled
/// deliveries, and pauses fetching (which makes librdkafka discard what it fetched ahead) only
/// when the application holds them longer than the room wait.
@Suite("KafkaTransport flow control")
struct KafkaFlowControlTests {
    static func member(
        of cluster: KafkaMockCluster,
        topic: String,
        prefetch: Int,
        roomWait: Duration,
        revocationGracePeriod: Duration? = nil,
        afterCollect: (@Sendable () -> Void)? = nil
    ) async throws -> RDKafkaConsumer {
        let configuration = testConfiguration(cluster.bootstrapServers)
        let consumer = try RDKafkaConsumer(
            properties: configuration.consumerProperties(group: "flow"),
            options: RDKafkaConsumer.Options(
                topic: topic,
                group: "flow",
                subscription: SubscriptionOptions(startPosition: .earliest, prefetch: prefetch),
                commitInterval: configuration.consumer.commitInterval,
                joinTimeout: configuration.consumer.joinTimeout,
                revocationGracePeriod: revocationGracePeriod ?? configuration.consumer.revocationGracePeriod,
                roomWait: roomWait,
                afterCollect: afterCollect
            )
        )
        try await consumer.join()
        return consumer
    }

    static func publish(_ count: Int, to topic: String, on cluster: KafkaMockCluster) async throws -> Set<String> {
        try cluster.createTopic(topic, partitions: 4, replicationFactor: 1)
        let publisher = try KafkaTransport(configuration: testConfiguration(cluster.bootstrapServers))
        let messages = numberedMessages(count, prefix: topic)
        try await publisher.publish(messages, to: topic)
        await publisher.shutdown()
        return Set(messages.map(\.id))
    }

    /// Makes `members` leave at once and waits until each has left.
    static func close(_ members: RDKafkaConsumer...) async {
        for member in members {
            member.stop(.immediate)
        }
        for member in members {
            await member.waitUntilClosed()
        }
    }

    /// Takes and acknowledges deliveries until each published id has arrived, failing on any
    /// that arrives twice; `each` runs before each acknowledgement.
    static func receiveAll(
        _ published: Set<String>,
        from consumer: RDKafkaConsumer,
        after received: Set<String> = [],
        each: () -> Void = {}
    ) async throws -> Set<String> {
        var received = received
        while received.count < published.count {
            let delivery = try #require(await consumer.next())
            #expect(received.insert(delivery.message.id).inserted, "\(delivery.message.id) came twice")
            each()
            try delivery.acknowledge()
        }
        return received
    }

    @Test("A member that settles as it goes waits for room but never pauses fetching")
    func settlingAsItGoesNeverPauses() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let published = try await Self.publish(400, to: "flow.steady", on: cluster)
        // A wait far longer than the test: only settlements can end it.
        let consumer = try await Self.member(of: cluster, topic: "flow.steady", prefetch: 8, roomWait: .seconds(600))
        let received = try await Self.receiveAll(published, from: consumer) {
            #expect(consumer.flowControl.unsettled <= 8, "the member held more than its prefetch")
        }
        #expect(received == published)
        let flowControl = consumer.flowControl
        #expect(flowControl.roomWaits > 0, "the member never filled its prefetch, so nothing was tested")
        #expect(flowControl.pauses == 0, "fetching paused, discarding what librdkafka had fetched ahead")
        await Self.close(consumer)
    }

    @Test("A member that holds its prefetch past the room wait pauses fetching, and loses nothing")
    func holdingThePrefetchPauses() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let published = try await Self.publish(200, to: "flow.held", on: cluster)
        let holder = try await Self.member(of: cluster, topic: "flow.held", prefetch: 8, roomWait: .milliseconds(50))
        var held: [Delivery] = []
        for _ in 0..<8 {
            held.append(try #require(await holder.next()))
        }
        try await waitUntil("fetching paused") { holder.flowControl.isPaused }
        #expect(holder.flowControl.unsettled == 8, "the member held more than its prefetch")
        #expect(holder.flowControl.pauses == 1)
        for delivery in held {
            try delivery.acknowledge()
        }
        await Self.close(holder)
        // The group's next member starts after what the first one settled.
        let successor = try await Self.member(of: cluster, topic: "flow.held", prefetch: 256, roomWait: .seconds(1))
        let received = try await Self.receiveAll(published, from: successor, after: Set(held.map(\.message.id)))
        #expect(received == published, "a message was lost")
        await Self.close(successor)
    }

    /// librdkafka keeps a partition's pause flag across unassignment. Here the first member is
    /// paused when the second joins, gives up the deliveries it holds, and is paused again
    /// before it can resume; when the second leaves, the first gets back the partitions it had
    /// paused, and must fetch every one of them.
    @Test("A member paused through two rebalances fetches every partition it is given")
    func pausedThroughRebalances() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let published = try await Self.publish(400, to: "flow.paused-rebalance", on: cluster)
        let first = try await Self.member(
            of: cluster,
            topic: "flow.paused-rebalance",
            prefetch: 8,
            roomWait: .milliseconds(50),
            revocationGracePeriod: .milliseconds(100)
        )
        var held: [Delivery] = []
        for _ in 0..<8 {
            held.append(try #require(await first.next()))
        }
        try await waitUntil("fetching paused") { first.flowControl.isPaused }
        let second = try await Self.member(
            of: cluster,
            topic: "flow.paused-rebalance",
            prefetch: 8,
            roomWait: .seconds(1)
        )
        var taken: [Delivery] = []
        for _ in 0..<8 {
            taken.append(try #require(await first.next()))
        }
        try await waitUntil("fetching paused again") { first.flowControl.pauses >= 2 }
        let received = Received()
        for delivery in held + taken {
            if (try? delivery.acknowledge()) != nil {
                _ = received.record(delivery)
            }
        }
        await Self.close(second)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while let delivery = await first.next() {
                    try delivery.acknowledge()
                    if received.record(delivery) == published.count { return }
                }
            }
            try await waitUntil("every message arrived") { received.distinct.count == published.count }
            group.cancelAll()
        }
        #expect(received.distinct == published, "a message was lost")
        await Self.close(first)
    }

    /// The polling thread hands records over in batches, and librdkafka runs a rebalance inside
    /// a poll, so possibly in the middle of one. Here the polling thread takes 2 ms per record and
    /// the application 4 ms: when the second member joins, the first member's polling thread is
    /// nearly always inside a batch and its buffer holds records it has not handed out. The
    /// revocation drops them, with the records polled before it; every one must reach a member.
    @Test("A revocation in the middle of a batch, with a full buffer, loses nothing")
    func rebalanceInTheMiddleOfABatch() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let published = try await Self.publish(3_000, to: "flow.batch", on: cluster)
        let first = try await Self.member(
            of: cluster,
            topic: "flow.batch",
            prefetch: 3_000,
            roomWait: .seconds(1),
            afterCollect: { Thread.sleep(forTimeInterval: 0.002) }
        )
        let received = Received()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while let delivery = await first.next() {
                    try await Task.sleep(for: .milliseconds(4))
                    try delivery.acknowledge()
                    _ = received.record(delivery)
                }
            }
            try await waitUntil("the first member handled 100 messages") { received.distinct.count >= 100 }
            let second = try await Self.member(of: cluster, topic: "flow.batch", prefetch: 256, roomWait: .seconds(1))
            group.addTask {
                while let delivery = await second.next() {
                    try delivery.acknowledge()
                    _ = received.record(delivery)
                }
            }
            try await waitUntil("every message arrived") { received.distinct.count == published.count }
            await Self.close(first, second)
        }
        #expect(received.distinct == published, "a message was lost")
    }
}

extension RDKafkaConsumer {
    /// The next delivery, its record read by a reader of its own.
    func next() async -> Delivery? {
        var reader = CloudEventsKafkaBinding.Reader()
        return await next(reading: &reader)
    }
}
