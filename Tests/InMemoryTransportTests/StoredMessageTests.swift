import Foundation
import Messaging
import Testing

@testable import InMemoryTransport

@Suite("StoredMessage")
struct StoredMessageTests {
    /// Messages that differ in every attribute the stored form keeps apart or shares.
    let variety: [Message] = [
        Message(id: "plain", payload: Data("hello".utf8)),
        Message(id: "plain-2", payload: Data("hello again".utf8)),
        Message(
            id: "ünïcode-id-that-is-longer-than-fifteen-bytes",
            source: "/orders/eu-west",
            type: "com.example.order.placed",
            time: Date(timeIntervalSince1970: 1_795_459_013.739),
            subject: "order-123458",
            dataContentType: "application/json",
            dataSchema: "https://example.com/order.json",
            extensions: ["traceparent": "00-abc-01", "tenant": "acme"],
            key: "customer-42",
            headers: ["correlation-id": "c-1", "attempt": "2"],
            payload: Data(#"{"order_id": "123458"}"#.utf8)
        ),
        Message(id: "no-time", time: nil, key: "k", payload: Data()),
        Message(id: "other-headers", headers: ["correlation-id": "c-2"], payload: Data(repeating: 7, count: 4096)),
    ]

    @Test func everyAttributeSurvivesTheStoredForm() throws {
        for message in variety {
            let stored = StoredMessage.make(message, attributes: SharedAttributes(of: message))
            #expect(stored.message == message)
            #expect(stored.byteCount == message.byteCount)
            #expect(stored.key == message.key)
        }
    }

    @Test func attributesMatchOnlyWhenAllAreEqual() {
        let attributes = SharedAttributes(of: variety[0])
        #expect(attributes.matches(variety[1]))
        #expect(!attributes.matches(variety[2]))
        #expect(!attributes.matches(variety[4]))
        var otherType = variety[0]
        otherType.type = "other"
        #expect(!attributes.matches(otherType))
    }

    @Test func aPublishedBatchComesBackEqualAndInOrder() async throws {
        let broker = try InMemoryBroker(configuration: .init(defaultPartitionCount: 1))
        let transport = InMemoryTransport(broker: broker)
        let deliveries = try await transport.subscribe(
            to: "t",
            group: "g",
            options: .init(startPosition: .earliest)
        )
        try await transport.publish(variety, to: "t")
        #expect(broker.retainedBytes == variety.reduce(0) { $0 + $1.byteCount })
        var iterator = deliveries.makeAsyncIterator()
        for message in variety {
            let delivery = try #require(try await iterator.next())
            #expect(delivery.message == message)
            try delivery.acknowledge()
        }
    }

    @Test func aRunOfEqualAttributesIsStoredOnce() async throws {
        let broker = try InMemoryBroker(configuration: .init(defaultPartitionCount: 1))
        let transport = InMemoryTransport(broker: broker)
        try await transport.publish(variety, to: "t")
        let attributes = broker.state.withLock { state in
            state.topics["t"]!.partitions[0].entries.map { ObjectIdentifier($0.header.attributes) }
        }
        #expect(attributes[0] == attributes[1])
        #expect(Set(attributes).count == 4)
    }
}
