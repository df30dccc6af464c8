import Foundation
import Logging
import Messaging
import ServiceLifecycle
import Testing

@testable import InMemoryTransport

@Suite("InMemoryTransport")
struct InMemoryTransportTests {
    func messages(_ count: Int, key: String? = nil, bytes: Int = 0) -> [Message] {
        (0..<count).map {
            Message(id: "m\($0)", source: "/t", type: "t", time: nil, key: key, payload: Data(count: bytes))
        }
    }

    // MARK: - Configuration and topics

    @Test func invalidConfigurationIsRefusedNamingTheValue() {
        #expect {
            _ = try InMemoryBroker(configuration: .init(defaultPartitionCount: 0))
        } throws: { ($0 as! MessagingError).reason.contains("defaultPartitionCount") }
        #expect {
            _ = try InMemoryBroker(configuration: .init(maximumMessageBytes: 100, memoryLimit: 10))
        } throws: { ($0 as! MessagingError).reason.contains("memoryLimit") }
        #expect {
            _ = try InMemoryBroker(configuration: .init(retainedMessagesPerPartition: -1))
        } throws: { ($0 as! MessagingError).reason.contains("retainedMessagesPerPartition") }
    }

    @Test func createTopicChecksNameCountAndConflicts() throws {
        let broker = InMemoryBroker()
        try broker.createTopic("orders", partitions: 8)
        try broker.createTopic("orders", partitions: 8)
        #expect(broker.snapshot(of: "orders")?.partitions.count == 8)
        #expect(throws: MessagingError.self) { try broker.createTopic("orders", partitions: 2) }
        #expect {
            try broker.createTopic("zero", partitions: 0)
        } throws: { ($0 as! MessagingError).code == .invalidConfiguration }
        #expect(throws: MessagingError.self) { try broker.createTopic("bad topic", partitions: 1) }
        #expect(broker.snapshot(of: "zero") == nil)
    }

    @Test func keysChooseStablePartitionsAndUnkeyedMessagesSpread() async throws {
        let transport = InMemoryTransport()
        try transport.broker.createTopic("orders", partitions: 4)
        try await transport.publish(messages(20, key: "same"), to: "orders")
        try await transport.publish(messages(8), to: "orders")
        let partitions = try #require(transport.broker.snapshot(of: "orders")).partitions
        let keyed = BrokerState.partition(forKey: "same", count: 4)
        #expect(partitions[keyed].retainedMessages == 22)
        #expect(partitions.enumerated().filter { $0.offset != keyed }.allSatisfy { $0.element.retainedMessages == 2 })
    }

    // MARK: - Memory bound and back-pressure

    func smallBroker(_ policy: InMemoryBroker.Configuration.OverflowPolicy) throws -> InMemoryBroker {
        try InMemoryBroker(
            configuration: .init(
                defaultPartitionCount: 1,
                maximumMessageBytes: 200,
                memoryLimit: 1000,
                whenFull: policy
            )
        )
    }

    @Test func fullBrokerFailsClearlyWhenConfiguredToAndKeepsEverything() async throws {
        let transport = InMemoryTransport(broker: try smallBroker(.fail))
        let deliveries = try await transport.subscribe(to: "t", group: "slow")
        try await transport.publish(messages(5, bytes: 190), to: "t")
        do {
            try await transport.publish(messages(1, bytes: 190), to: "t")
            Issue.record("publish into a full broker succeeded")
        } catch let error as MessagingError {
            #expect(error.code == .capacityExceeded)
            #expect(error.isRetriable)
            #expect(error.reason.contains("1000"))
        }
        #expect(transport.broker.snapshot(of: "t")?.partitions[0].endOffset == 5)
        let first = try await nextDelivery(deliveries)
        try first.acknowledge()
        try await transport.publish(messages(1, bytes: 190), to: "t")
        #expect(transport.broker.snapshot(of: "t")?.partitions[0].endOffset == 6)
    }

    @Test func fullBrokerMakesPublishWaitUntilAGroupSettles() async throws {
        let broker = try smallBroker(.wait)
        let transport = InMemoryTransport(broker: broker)
        let deliveries = try await transport.subscribe(to: "t", group: "slow")
        try await transport.publish(messages(5, bytes: 190), to: "t")
        async let blocked: Void = transport.publish(messages(1, bytes: 190), to: "t")
        try await eventually("the publish waits for room") { broker.state.withLock { $0.publishWaiters.count == 1 } }
        #expect(broker.snapshot(of: "t")?.partitions[0].endOffset == 5)
        try await nextDelivery(deliveries).acknowledge()
        try await blocked
        #expect(broker.snapshot(of: "t")?.partitions[0].endOffset == 6)
        #expect(broker.snapshot(of: "t")?.partitions[0].firstOffset == 1)
    }

    @Test func cancellingAWaitingPublishPublishesNothing() async throws {
        let broker = try smallBroker(.wait)
        let transport = InMemoryTransport(broker: broker)
        _ = try await transport.subscribe(to: "t", group: "slow")
        try await transport.publish(messages(5, bytes: 190), to: "t")
        let blocked = Task { try await transport.publish(messages(1, bytes: 190), to: "t") }
        try await eventually("the publish waits for room") { broker.state.withLock { $0.publishWaiters.count == 1 } }
        blocked.cancel()
        await #expect(throws: CancellationError.self) { try await blocked.value }
        #expect(broker.snapshot(of: "t")?.partitions[0].endOffset == 5)
        #expect(broker.state.withLock { $0.publishWaiters.isEmpty })
    }

    @Test func deletingAnAbandonedGroupReleasesWhatItHeld() async throws {
        let broker = try smallBroker(.fail)
        let transport = InMemoryTransport(broker: broker)
        let abandoned = try await transport.subscribe(to: "t", group: "gone")
        try await transport.publish(messages(5, bytes: 190), to: "t")
        #expect {
            try broker.deleteGroup("gone", from: "t")
        } throws: { ($0 as! MessagingError).reason.contains("still has 1 members") }
        await abandoned.close()
        #expect(throws: MessagingError.self) { try broker.deleteGroup("never", from: "t") }
        try broker.deleteGroup("gone", from: "t")
        try await transport.publish(messages(1, bytes: 190), to: "t")
        #expect(broker.snapshot(of: "t")?.partitions[0].committedOffsets.isEmpty == true)
    }

    @Test func batchLargerThanTheWholeLimitIsRefusedAtOnce() async throws {
        let transport = InMemoryTransport(broker: try smallBroker(.wait))
        await #expect {
            try await transport.publish(messages(6, bytes: 190), to: "t")
        } throws: { ($0 as! MessagingError).code == .capacityExceeded }
        #expect(transport.broker.retainedBytes == 0)
    }

    @Test func withoutGroupsOldMessagesMakeRoom() async throws {
        let transport = InMemoryTransport(broker: try smallBroker(.fail))
        for message in messages(20, bytes: 190) {
            try await transport.publish(message, to: "t")
        }
        let partition = try #require(transport.broker.snapshot(of: "t")?.partitions[0])
        #expect(partition.endOffset == 20)
        #expect(partition.retainedMessages == 5)
        #expect(transport.broker.retainedBytes <= 1000)
    }

    @Test func retentionEvictsOnlyWhatEveryGroupSettled() async throws {
        let broker = try InMemoryBroker(configuration: .init(defaultPartitionCount: 1, retainedMessagesPerPartition: 2))
        let transport = InMemoryTransport(broker: broker)
        let fast = try await transport.subscribe(to: "t", group: "fast")
        let slow = try await transport.subscribe(to: "t", group: "slow")
        try await transport.publish(messages(10), to: "t")
        var iterator = fast.makeAsyncIterator()
        for _ in 0..<10 { try await iterator.next()!.acknowledge() }
        try await transport.publish(messages(1), to: "t")
        #expect(broker.snapshot(of: "t")?.partitions[0].firstOffset == 0)
        var slowIterator = slow.makeAsyncIterator()
        for _ in 0..<6 { try await slowIterator.next()!.acknowledge() }
        try await transport.publish(messages(1), to: "t")
        let partition = try #require(broker.snapshot(of: "t")?.partitions[0])
        #expect(partition.firstOffset == 6)
        #expect(partition.committedOffsets == ["fast": 10, "slow": 6])
        #expect(broker.snapshot(of: "t")?.lag(of: "slow") == 6)
    }

    // MARK: - Group membership

    @Test func aPartitionMovesOnlyAfterItsHolderSettled() async throws {
        let broker = try InMemoryBroker(configuration: .init(defaultPartitionCount: 2))
        let transport = InMemoryTransport(broker: broker)
        let key = (0..<100).map { "key-\($0)" }.first { BrokerState.partition(forKey: $0, count: 2) == 1 }!
        let first = try await transport.subscribe(to: "t", group: "g", options: .init(prefetch: 2))
        try await transport.publish(messages(5, key: key), to: "t")
        var firstIterator = first.makeAsyncIterator()
        let held = [try await firstIterator.next()!, try await firstIterator.next()!]
        #expect(held.map(\.offset) == [0, 1])
        let second = try await transport.subscribe(to: "t", group: "g", options: .init(prefetch: 10))
        let secondMember = try #require(second.subscription.member as MemberID?)
        #expect(broker.state.withLock { $0.members[secondMember]!.unsettledCount == 0 })
        for delivery in held { try delivery.acknowledge() }
        var secondIterator = second.makeAsyncIterator()
        for expected in Int64(2)..<5 {
            let delivery = try #require(try await secondIterator.next())
            #expect(delivery.offset == expected)
            try delivery.acknowledge()
        }
    }

    @Test func prefetchBoundsWhatOneMemberHolds() async throws {
        let transport = InMemoryTransport()
        let deliveries = try await transport.subscribe(to: "t", group: "g", options: .init(prefetch: 3))
        try await transport.publish(messages(10), to: "t")
        let member = deliveries.subscription.member
        #expect(transport.broker.state.withLock { $0.members[member]!.unsettledCount } == 3)
    }

    @Test func cancellingTheConsumerHandsItsDeliveriesToTheGroup() async throws {
        let transport = InMemoryTransport()
        let leaving = try await transport.subscribe(to: "t", group: "g")
        let consumer = Task {
            var received = 0
            for try await _ in leaving {
                received += 1
            }
            return received
        }
        try await transport.publish(messages(3, key: "k"), to: "t")
        try await eventually("the consumer holds every message") {
            transport.broker.state.withLock { $0.members[leaving.subscription.member]?.lane.readyCount == 0 }
        }
        consumer.cancel()
        #expect(try await consumer.value <= 3)
        let successor = try await transport.subscribe(to: "t", group: "g")
        var iterator = successor.makeAsyncIterator()
        for expected in ["m0", "m1", "m2"] {
            let delivery = try #require(try await iterator.next())
            #expect(delivery.message.id == expected)
            #expect(delivery.attempt == 2)
            try delivery.acknowledge()
        }
    }

    @Test func aCancelledConsumerGetsNothingMoreEvenWhenDeliveriesAreBuffered() async throws {
        let transport = InMemoryTransport()
        let deliveries = try await transport.subscribe(to: "t", group: "g")
        try await transport.publish(messages(3, key: "k"), to: "t")
        let consumer = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            var iterator = deliveries.makeAsyncIterator()
            return try await iterator.next()
        }
        #expect(try await consumer.value == nil)
        let successor = try await transport.subscribe(to: "t", group: "g")
        #expect(try await nextDelivery(successor).message.id == "m0")
    }

    @Test func releasingTheSequenceLeavesTheGroup() async throws {
        let transport = InMemoryTransport()
        do {
            let forgotten = try await transport.subscribe(to: "t", group: "g")
            try await transport.publish(messages(2, key: "k"), to: "t")
            _ = try await nextDelivery(forgotten)
        }
        #expect(transport.broker.state.withLock { $0.members.isEmpty })
        let successor = try await transport.subscribe(to: "t", group: "g")
        #expect(try await nextDelivery(successor).message.id == "m0")
    }

    // MARK: - Shutdown

    @Test func shutdownWaitsForHandedOutDeliveries() async throws {
        let transport = InMemoryTransport()
        let deliveries = try await transport.subscribe(to: "t", group: "g")
        try await transport.publish(messages(3, key: "k"), to: "t")
        let inFlight = try await nextDelivery(deliveries)
        async let stopped: Void = transport.shutdown()
        try await eventually("shutdown has begun") {
            transport.broker.state.withLock { $0.clients[transport.client]!.shutdownWaiters.count == 1 }
        }
        await #expect(throws: MessagingError.self) { try await transport.publish(messages(1), to: "t") }
        try inFlight.acknowledge()
        await stopped
        let successor = try await InMemoryTransport(broker: transport.broker).subscribe(to: "t", group: "g")
        #expect(try await nextDelivery(successor).message.id == "m1")
    }

    @Test func gracefulShutdownOfTheServiceGroupStopsTheTransport() async throws {
        let transport = InMemoryTransport()
        let group = ServiceGroup(
            configuration: .init(services: [transport], logger: Logger(label: "test"))
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let deliveries = try await transport.subscribe(to: "t", group: "g")
            try await transport.publish(messages(1), to: "t")
            try await nextDelivery(deliveries).acknowledge()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        await #expect {
            try await transport.publish(messages(1), to: "t")
        } throws: { ($0 as! MessagingError).code == .shutDown }
    }

    @Test func sharedBrokerOutlivesAClientThatShutDown() async throws {
        let broker = InMemoryBroker()
        let sales = InMemoryTransport(broker: broker)
        try await sales.publish(messages(2), to: "orders")
        await sales.shutdown()
        let billing = try await InMemoryTransport(broker: broker).subscribe(
            to: "orders",
            group: "billing",
            options: .init(startPosition: .earliest)
        )
        var iterator = billing.makeAsyncIterator()
        #expect(try await [iterator.next()!.message.id, iterator.next()!.message.id].sorted() == ["m0", "m1"])
    }
}
