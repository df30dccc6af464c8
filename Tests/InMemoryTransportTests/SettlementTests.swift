import Foundation
import Messaging
import Synchronization
import Testing

@testable import InMemoryTransport

/// A group's only member keeps its acknowledgements in its lane for the broker's next dispatch;
/// these tests pin down that nothing observable waits for that dispatch.
@Suite("InMemoryTransport settlements")
struct SettlementTests {
    func messages(_ count: Int) -> [Message] {
        (0..<count).map { Message(id: "m\($0)", source: "/t", type: "t", time: nil, payload: Data()) }
    }

    func take(_ count: Int, from deliveries: InMemoryDeliveries) async throws -> [Delivery] {
        var iterator = deliveries.makeAsyncIterator()
        var taken: [Delivery] = []
        while taken.count < count {
            taken.append(try #require(try await iterator.next()))
        }
        return taken
    }

    func kept(by deliveries: InMemoryDeliveries) -> Int {
        deliveries.subscription.lane.keptCount
    }

    @Test func aLoneMembersAcknowledgementsAreInTheSnapshotBeforeItsNextDispatch() async throws {
        let broker = try InMemoryBroker(configuration: .init(defaultPartitionCount: 1))
        let transport = InMemoryTransport(broker: broker)
        let deliveries = try await transport.subscribe(to: "t", group: "g")
        try await transport.publish(messages(5), to: "t")
        for delivery in try await take(3, from: deliveries) {
            try delivery.acknowledge()
        }
        #expect(kept(by: deliveries) == 3)
        #expect(broker.snapshot(of: "t")?.partitions[0].committedOffsets["g"] == 3)
        #expect(kept(by: deliveries) == 0)
        #expect(await transport.consumerLag(of: "g", on: "t") == 2)
    }

    @Test func aKeptAcknowledgementCannotBeRepeated() async throws {
        let transport = InMemoryTransport()
        let deliveries = try await transport.subscribe(to: "t", group: "g")
        try await transport.publish(messages(1), to: "t")
        let delivery = try #require(try await take(1, from: deliveries).first)
        try delivery.acknowledge()
        #expect(kept(by: deliveries) == 1)
        #expect {
            try delivery.acknowledge()
        } throws: { ($0 as! MessagingError).code == .deliveryNotPending }
        #expect {
            try delivery.reject(requeue: true)
        } throws: { ($0 as! MessagingError).code == .deliveryNotPending }
    }

    @Test func aRequeueIsRecordedAfterTheAcknowledgementsBeforeIt() async throws {
        let broker = try InMemoryBroker(configuration: .init(defaultPartitionCount: 1))
        let transport = InMemoryTransport(broker: broker)
        let deliveries = try await transport.subscribe(to: "t", group: "g")
        try await transport.publish(messages(3), to: "t")
        let taken = try await take(3, from: deliveries)
        try taken[0].acknowledge()
        try taken[1].reject(requeue: true)
        #expect(kept(by: deliveries) == 0)
        try taken[2].acknowledge()
        #expect(broker.snapshot(of: "t")?.partitions[0].committedOffsets["g"] == 1)
        let again = try #require(try await take(1, from: deliveries).first)
        #expect(again.message.id == "m1")
        #expect(again.attempt == 2)
    }

    @Test func aLeavingMembersKeptAcknowledgementsAreNotDeliveredAgain() async throws {
        let transport = InMemoryTransport()
        try transport.broker.createTopic("t", partitions: 1)
        let leaving = try await transport.subscribe(to: "t", group: "g")
        try await transport.publish(messages(4), to: "t")
        for delivery in try await take(2, from: leaving) {
            try delivery.acknowledge()
        }
        #expect(kept(by: leaving) == 2)
        await leaving.close()
        let successor = try await transport.subscribe(to: "t", group: "g")
        let received = try await take(2, from: successor)
        #expect(received.map(\.message.id) == ["m2", "m3"])
        #expect(received.allSatisfy { $0.attempt == 1 })
    }

    @Test func aSecondMemberMakesTheFirstSettleAtOnceSoItsPartitionMoves() async throws {
        let transport = InMemoryTransport()
        try transport.broker.createTopic("t", partitions: 2)
        let first = try await transport.subscribe(to: "t", group: "g")
        try await transport.publish(messages(4), to: "t")
        let held = try await take(4, from: first)
        let second = try await transport.subscribe(to: "t", group: "g")
        // One message to each partition; the second member's waits until the first has settled
        // what it holds of that partition.
        try await transport.publish(messages(2), to: "t")
        #expect(second.subscription.lane.readyCount == 0)
        for delivery in held {
            try delivery.acknowledge()
        }
        #expect(kept(by: first) == 0)
        try await eventually("the second member receives its partition's new message") {
            second.subscription.lane.readyCount == 1
        }
    }

    @Test func aParkedMemberIsRefilledByTheAcknowledgementThatMakesRoom() async throws {
        let transport = InMemoryTransport()
        try transport.broker.createTopic("t", partitions: 1)
        let deliveries = try await transport.subscribe(to: "t", group: "g", options: .init(prefetch: 2))
        try await transport.publish(messages(3), to: "t")
        let held = try await take(2, from: deliveries)
        let received = Mutex<String?>(nil)
        let waiting = Task {
            let next = try await take(1, from: deliveries)
            received.withLock { $0 = next.first?.message.id }
        }
        let member = deliveries.subscription.member
        try await eventually("the member is parked") {
            transport.broker.state.withLock { $0.members[member]?.waiter != nil }
        }
        for delivery in held {
            try delivery.acknowledge()
        }
        try await eventually("the parked member receives the third message") { received.withLock { $0 } == "m2" }
        try await waiting.value
    }

    @Test func aWaitingPublisherIsWokenByTheAcknowledgementThatMakesRoom() async throws {
        let broker = try InMemoryBroker(
            configuration: .init(defaultPartitionCount: 1, maximumMessageBytes: 200, memoryLimit: 1000)
        )
        let transport = InMemoryTransport(broker: broker)
        let deliveries = try await transport.subscribe(to: "t", group: "g")
        try await transport.publish(
            (0..<5).map { Message(id: "m\($0)", source: "/t", type: "t", time: nil, payload: Data(count: 190)) },
            to: "t"
        )
        let taken = try await take(2, from: deliveries)
        try taken[0].acknowledge()
        #expect(kept(by: deliveries) == 1)
        async let blocked: Void = transport.publish(
            [Message(id: "late", source: "/t", type: "t", time: nil, payload: Data(count: 190))],
            to: "t"
        )
        try await blocked
        #expect(broker.snapshot(of: "t")?.partitions[0].endOffset == 6)
        async let second: Void = transport.publish(
            [Message(id: "later", source: "/t", type: "t", time: nil, payload: Data(count: 190))],
            to: "t"
        )
        try await eventually("the publish waits for room") { broker.state.withLock { $0.publishWaiters.count == 1 } }
        try taken[1].acknowledge()
        try await second
        #expect(broker.snapshot(of: "t")?.partitions[0].endOffset == 7)
    }
}
