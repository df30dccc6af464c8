import ExampleSupport
import ExampleTesting
import Foundation
import KafkaTransport
import Testing

@testable import ChannelAdapterExample

@Suite("Course case 002 on a Kafka mock cluster")
struct KafkaExampleTests {
    /// A role of the example on `kafka`, with its own data directory.
    func role(
        _ role: ExampleConfiguration.Role,
        on kafka: KafkaConfiguration,
        erpURL: String? = nil
    ) throws -> ExampleApplication {
        var configuration = testConfiguration()
        configuration.role = role
        configuration.transport = .kafka(kafka)
        configuration.erpURL = erpURL
        configuration.dataDirectory = try DataDirectory(nil)
        return try buildApplication(configuration, logger: quietLogger)
    }

    @Test("The ERP, the adapter, the inventory and the suppliers as separate processes: an order ends confirmed")
    func separateRoles() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        for topic in [
            Topics.purchaseOrders, Topics.confirmations, Topics.messages, ERPLink.deadLetterTopic,
            Topics.purchaseOrders + ".dead",
        ] {
            try cluster.createTopic(topic, partitions: 1)
        }
        let kafka = cluster.clientConfiguration
        let erp = try role(.erp, on: kafka)
        #expect(erp.transport == nil)
        try await running([erp]) {
            let erpPort = try await erp.erpPort()
            let adapter = try role(.adapter, on: kafka, erpURL: "http://127.0.0.1:\(erpPort)")
            let inventory = try role(.inventory, on: kafka)
            let supplier = try role(.supplier, on: kafka)
            try await running([adapter, inventory, supplier]) {
                let sent = try await call(
                    .POST,
                    adapter.adapterPort(),
                    "/send",
                    body: #"{"id": 1, "mensaje": "Hola desde Postman"}"#
                )
                #expect(sent.body == seedAnswer + "\n")
                let created = try await call(
                    .POST,
                    erpPort,
                    "/orders",
                    body: #"{"product": "Laptop", "quantity": 3, "supplier": "globex"}"#
                )
                #expect(created.status == 201)
                let confirmed = try await order(1, on: erpPort, becomes: "confirmed")
                let confirmations = confirmed.json["confirmations"] as? [String: Any]
                #expect(confirmations?.keys.sorted() == ["inventory", "supplier"])
            }
        }
    }
}
