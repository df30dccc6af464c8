import ExampleSupport
import ExampleTesting
import Foundation
import KafkaTransport
import Messaging
import Testing

@testable import DatatypeChannelExample

@Suite("Course case 001 on a Kafka mock cluster")
struct KafkaExampleTests {
    @Test("The sender and the receiver as separate applications answer the seed's calls")
    func separateApplications() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let kafka = cluster.clientConfiguration
        let sender = try buildApplication(testConfiguration(.sender, kafka: kafka), logger: quietLogger)
        let receiver = try buildApplication(testConfiguration(.receiver, kafka: kafka), logger: quietLogger)
        try await running([sender, receiver]) {
            let sent = try await call(.POST, try await sender.port(), "/send_message", body: seedBody)
            #expect(sent.body == seedSent)
            let receiverPort = try await receiver.port()
            #expect(try await eventually(receiverPort, "/get_message/10").body == seedRecord)
            #expect(try await call(.GET, receiverPort, "/consume_message").body == seedRecord)
            #expect(try await call(.GET, receiverPort, "/send_message").status == 404)
            #expect(
                try await call(.POST, try await sender.port(), "/send_message", body: #"{"id_cliente": 10}"#).status
                    == 400
            )
        }
    }

    @Test("Every bad input is refused on Kafka too, and none of it reaches the customer topic")
    func badInputsPublishNothing() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("datatype.customer.v1", partitions: 1)
        let sender = try buildApplication(
            testConfiguration(.sender, kafka: cluster.clientConfiguration),
            logger: quietLogger
        )
        try await running([sender]) {
            let port = try await sender.port()
            for input in DatatypeChannelExampleTests.badInputs {
                let answer = try await call(
                    .POST,
                    port,
                    "/send_message",
                    bytes: input.body,
                    contentType: input.contentType
                )
                #expect(answer.status == input.status, "\(input.testDescription)")
            }
            // One partition: had any bad input been published, it would come before this record.
            #expect(try await call(.POST, port, "/send_message", body: seedBody).status == 200)
            let first = try await firstMessage(of: "datatype.customer.v1", on: sender.transport)
            #expect(
                try first.decode(Customer.self)
                    == Customer(id: "10", name: "Grupo 3", age: 1, promotion: "20% de descuento")
            )
        }
    }

    @Test("A record another Kafka client wrote on the customer topic raises an alert; the next record is processed")
    func foreignRecordFromKcat() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("datatype.customer.v1", partitions: 1)
        try await produceWithKcat(
            [#"{"order_id": "123458", "product": "Laptop"}"#],
            to: "datatype.customer.v1",
            bootstrapServers: cluster.bootstrapServers
        )

        let application = try buildApplication(
            testConfiguration(kafka: cluster.clientConfiguration),
            logger: quietLogger
        )
        try await running([application]) {
            let port = try await application.port()
            let alerts = try await eventually(port, "/alerts") { !(($0.json["alerts"] as? [Any]) ?? []).isEmpty }
            let alert = try #require((alerts.json["alerts"] as? [[String: Any]])?.first)
            #expect(alert["reason"] as? String == "typeMismatch")
            #expect(try await call(.POST, port, "/send_message", body: seedBody).status == 200)
            #expect(try await eventually(port, "/get_message/10").body == seedRecord)
            #expect((try await call(.GET, port, "/alerts").json["alerts"] as? [Any])?.count == 1)
            let metrics = try await call(.GET, port, "/metrics").body
            #expect(metrics.contains(#"datatype_invalid_total{channel="customer",reason="typeMismatch"} 1"#))

            let invalid = try await firstMessage(of: "datatype.customer.v1.invalid", on: application.transport)
            #expect(String(decoding: invalid.payload, as: UTF8.self) == #"{"order_id": "123458", "product": "Laptop"}"#)
            #expect(invalid.headers["datatype-invalid-reason"] == "typeMismatch")
            #expect(invalid.headers["datatype-invalid-channel"] == "customer")
        }
    }

    /// The first message of `topic`, read by a group of its own from the earliest.
    private func firstMessage(of topic: String, on transport: any MessageTransport) async throws -> Message {
        let deliveries = try await transport.subscribe(
            to: topic,
            group: "inspector",
            options: SubscriptionOptions(startPosition: .earliest)
        )
        let first: Message?? = try await withDeadline({ try await Task.sleep(for: .seconds(30)) }) {
            () async throws -> Message? in
            for try await delivery in deliveries {
                try delivery.acknowledge()
                return delivery.message
            }
            return nil
        }
        await deliveries.close()
        return try #require(first ?? nil, "nothing arrived on '\(topic)' within 30 seconds")
    }
}
