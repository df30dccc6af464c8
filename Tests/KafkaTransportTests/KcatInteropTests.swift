import ExampleTesting
import Foundation
import KafkaTransport
import Messaging
import Testing

/// Interoperability with kcat, an independent Kafka client built on librdkafka's C API.
@Suite("KafkaTransport and kcat")
struct KcatInteropTests {
    @Test func kcatReadsCloudEventsHeadersWrittenByTheTransport() async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        let transport = try KafkaTransport(configuration: testConfiguration(cluster.bootstrapServers))
        let sent = Message(
            id: "order-123458",
            source: "/sales",
            type: "com.example.order.placed",
            time: Date(timeIntervalSince1970: 1_740_246_230.305),
            subject: "123458",
            dataContentType: "application/json",
            extensions: ["tenant": "acme"],
            key: "123458",
            headers: ["correlation-id": "c-1"],
            payload: Data(#"{"order_id":"123458","product":"Laptop"}"#.utf8)
        )
        try await transport.publish(sent, to: "interop.out")
        await transport.shutdown()

        let line = try await kcat([
            "-b", cluster.bootstrapServers, "-C", "-t", "interop.out", "-o", "beginning", "-c", "1", "-e", "-J",
        ])
        let record = try #require(try JSONSerialization.jsonObject(with: line) as? [String: Any])
        let flat = try #require(record["headers"] as? [String])
        let headers = Dictionary(
            uniqueKeysWithValues: stride(from: 0, to: flat.count - 1, by: 2).map { (flat[$0], flat[$0 + 1]) }
        )
        #expect(headers["ce_specversion"] == "1.0")
        #expect(headers["ce_id"] == "order-123458")
        #expect(headers["ce_source"] == "/sales")
        #expect(headers["ce_type"] == "com.example.order.placed")
        #expect(headers["ce_time"] == "2025-02-22T17:43:50.305Z")
        #expect(headers["ce_subject"] == "123458")
        #expect(headers["ce_tenant"] == "acme")
        #expect(headers["content-type"] == "application/json")
        #expect(headers["correlation-id"] == "c-1")
        #expect(record["key"] as? String == "123458")
        #expect(record["payload"] as? String == #"{"order_id":"123458","product":"Laptop"}"#)
        withExtendedLifetime(cluster) {}
    }

    @Test func plainJSONRecordFromKcatIsConsumed() async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        let transport = try KafkaTransport(configuration: testConfiguration(cluster.bootstrapServers))
        let json = #"{"order_id": "123458", "product": "Laptop", "quantity": 1, "price": 1200.0}"#
        _ = try await kcat(
            ["-b", cluster.bootstrapServers, "-P", "-t", "MessageBus", "-k", "123458"],
            input: Data((json + "\n").utf8)
        )

        let deliveries = try await transport.subscribe(
            to: "MessageBus",
            group: "inventory",
            options: SubscriptionOptions(startPosition: .earliest)
        )
        var iterator = deliveries.makeAsyncIterator()
        let delivery = try #require(try await iterator.next())
        try delivery.acknowledge()
        let message = delivery.message
        #expect(message.payload == Data(json.utf8))
        #expect(message.key == "123458")
        #expect(message.id == "MessageBus-\(delivery.partition)-\(delivery.offset)")
        #expect(message.type == "kafka.record")
        #expect(message.source == "kafka:MessageBus")
        #expect(message.headers.isEmpty)
        #expect(message.time != nil)
        struct Order: Decodable, Equatable {
            var order_id: String
            var quantity: Int
        }
        #expect(try message.decode(Order.self) == Order(order_id: "123458", quantity: 1))
        await transport.shutdown()
    }
}
