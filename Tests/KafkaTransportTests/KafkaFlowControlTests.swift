import Foundation
import Logging
import Messaging
import Synchronization
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
            ),
            logger: Logger(label: "flow")
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

    /// Takes and acknowledges `member`'s deliveries, showing each to `seen` and waiting `pace`
    /// before acknowledging it, until every published id has arrived (`true`) or the member stops
    /// (`false`).
    ///
    /// An acknowledgement refused because the delivery's partition was revoked while it was held
    /// is expected whenever a rebalance outlasts the member's grace period: the message comes
    /// again to the partition's next owner, and only that acknowledgement counts.
    static func drain(
        _ member: RDKafkaConsumer,
        pace: Duration = .zero,
        until published: Set<String>,
        into received: Received,
        seeing seen: @Sendable (Delivery) -> Void = { _ in }
    ) async throws -> Bool {
        while let delivery = await member.next() {
            seen(delivery)
            if pace > .zero {
                try await Task.sleep(for: pace)
            }
            do {
                try delivery.acknowledge()
            } catch  where error.code == .deliveryNotPending {
                continue
            }
            if received.record(delivery) >= published.count { return true }
        }
        return false
    }

    /// Waits until one of `group`'s drains has seen every published id, failing the test when
    /// every drain stopped short or 120 seconds passed.
    static func awaitEveryMessage(
        _ published: Set<String>,
        in group: inout ThrowingTaskGroup<Bool, any Error>,
        drains: Int,
        received: Received,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        group.addTask {
            try await Task.sleep(for: .seconds(120))
            throw CancellationError()
        }
        var stopped = 0
        while stopped < drains, let complete = try await group.next() {
            if complete { break }
            stopped += 1
        }
        group.cancelAll()
        #expect(stopped < drains, "every member stopped before every message arrived", sourceLocation: sourceLocation)
        #expect(received.distinct == published, "a message was lost", sourceLocation: sourceLocation)
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
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await Self.drain(first, until: published, into: received) }
            try await Self.awaitEveryMessage(published, in: &group, drains: 1, received: received)
        }
        await Self.close(first)
    }

    /// What a member whose application is slower than the revocation grace period sees, as the
    /// paused-member test's member did on a loaded machine: the revocation gives the held
    /// delivery up, its late acknowledgement is refused, and the partition's next owner gets
    /// the message again.
    @Test("A delivery held past the revocation grace period is refused late and comes again")
    func heldPastTheGracePeriod() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let published = try await Self.publish(40, to: "flow.grace", on: cluster)
        let first = try await Self.member(
            of: cluster,
            topic: "flow.grace",
            prefetch: 8,
            roomWait: .seconds(1),
            revocationGracePeriod: .milliseconds(100)
        )
        let held = try #require(await first.next())
        let second = try await Self.member(of: cluster, topic: "flow.grace", prefetch: 8, roomWait: .seconds(1))
        let received = Received()
        let again = Slot<Delivery>()
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for member in [first, second] {
                group.addTask {
                    try await Self.drain(member, until: published, into: received) { delivery in
                        if delivery.message.id == held.message.id {
                            again.value = delivery
                        }
                    }
                }
            }
            try await waitUntil("the held message came again") { again.value != nil }
            #expect(throws: MessagingError.self, "the late acknowledgement was taken") { try held.acknowledge() }
            try await Self.awaitEveryMessage(published, in: &group, drains: 2, received: received)
        }
        await Self.close(first, second)
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
        let second = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await Self.drain(first, pace: .milliseconds(4), until: published, into: received) }
            try await waitUntil("the first member handled 100 messages") { received.distinct.count >= 100 }
            let second = try await Self.member(of: cluster, topic: "flow.batch", prefetch: 256, roomWait: .seconds(1))
            group.addTask { try await Self.drain(second, until: published, into: received) }
            try await Self.awaitEveryMessage(published, in: &group, drains: 2, received: received)
            return second
        }
        await Self.close(first, second)
    }
}

/// One value that tasks set and read.
final class Slot<Value: Sendable>: Sendable {
    private let storage = Mutex<Value?>(nil)

    var value: Value? {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

extension RDKafkaConsumer {
    /// The next delivery, its record read by a reader of its own.
    func next() async -> Delivery? {
        var reader = CloudEventsKafkaBinding.Reader()
        return await next(reading: &reader)
    }
}
