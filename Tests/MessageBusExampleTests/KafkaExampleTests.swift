import ExampleSupport
import ExampleTesting
import Foundation
import KafkaTransport
import Testing

@testable import MessageBusExample

@Suite("Course case 000 on a Kafka mock cluster")
struct KafkaExampleTests {
    @Test(
        "Sales, inventory and billing as separate applications share nothing but the bus, in the clear and --secure",
        arguments: [false, true]
    )
    func separateApplications(secure: Bool) async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        let kafka = cluster.clientConfiguration
        let keyFile = try temporaryKeyFile()
        func configuration(_ role: ExampleConfiguration.Role) throws -> ExampleConfiguration {
            let configuration = testConfiguration(role, kafka: kafka)
            return secure ? try secured(configuration, keyFile: keyFile) : configuration
        }
        let sales = try buildApplication(configuration(.sales), logger: quietLogger)
        let inventory = try buildApplication(configuration(.inventory), logger: quietLogger)
        let billing = try buildApplication(configuration(.billing), logger: quietLogger)
        try await running([sales, inventory, billing]) {
            let produced = try await call(.POST, try await sales.salesPort(), "/produce", body: seedOrder)
            #expect(produced.status == 200)
            #expect(
                produced.json["message"] as? String
                    == "Order sent to the Message Bus: topic 'MessageBus' on Kafka (\(cluster.bootstrapServers))"
            )

            for application in [inventory, billing] {
                let processed = try await whenProcessed(try await application.queryPort(), "/processed_orders/123458")
                #expect(processed.body == seedProcessedOrder + "\n")
            }
            let invoice = try await call(.GET, try await billing.queryPort(), "/invoices/123458")
            #expect(invoice.json["total"] as? Double == 1200)
            let laptop =
                try await call(.GET, try await inventory.queryPort(), "/inventory").json["Laptop"] as? [String: Int]
            #expect(laptop?["sold"] == 1)
            #expect(try await call(.GET, try await inventory.queryPort(), "/invoices/123458").status == 404)
        }

        // What anyone who can reach the topic reads, with an independent client: with --secure,
        // ciphertext only. The payload is binary, so it is searched as bytes.
        let printed = try await kcat([
            "-C", "-b", cluster.bootstrapServers, "-t", "MessageBus", "-o", "beginning", "-c", "1", "-e",
            "-f", "headers: %h\npayload: %s\n",
        ])
        let headers = String(decoding: printed, as: UTF8.self)
        #expect(headers.contains("ce_secalg=aes256gcm") == secure)
        #expect(headers.contains("content-type=application/octet-stream") == secure)
        let payload = printed[try #require(printed.firstRange(of: Data("\npayload: ".utf8))).upperBound...]
        #expect(payload.count > 16)
        for field in ["order_id", "Laptop", "1200", "quantity", "timestamp"] {
            #expect((payload.firstRange(of: Data(field.utf8)) == nil) == secure, "'\(field)' in kcat's payload")
        }
    }

    @Test("Inventory stopped and started again on the same --data-dir answers for its orders and takes none twice")
    func inventoryRestart() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        // The mock cluster keeps a member that left until its session times out: keep it short,
        // so that the restarted inventory gets the partitions soon.
        var kafka = cluster.clientConfiguration
        kafka.consumer.sessionTimeout = .seconds(6)
        kafka.consumer.heartbeatInterval = .seconds(1)
        let data = try DataDirectory(nil)
        let sales = try buildApplication(testConfiguration(.sales, kafka: kafka), logger: quietLogger)
        try await running([sales]) {
            let salesPort = try await sales.salesPort()
            let inventory = try buildApplication(
                testConfiguration(.inventory, kafka: kafka, data: data),
                logger: quietLogger
            )
            try await running([inventory]) {
                #expect(try await call(.POST, salesPort, "/produce", body: seedOrder).status == 200)
                let processed = try await whenProcessed(try await inventory.queryPort(), "/processed_orders/123458")
                #expect(processed.body == seedProcessedOrder + "\n")
            }

            let restarted = try buildApplication(
                testConfiguration(.inventory, kafka: kafka, data: data),
                logger: quietLogger
            )
            try await running([restarted]) {
                let query = try await restarted.queryPort()
                let processed = try await call(.GET, query, "/processed_orders/123458")
                #expect(processed.status == 200)
                #expect(processed.body == seedProcessedOrder + "\n")

                let next = #"{"order_id": "123459", "product": "Laptop", "quantity": 2, "price": 1200.0}"#
                #expect(try await call(.POST, salesPort, "/produce", body: next).status == 200)
                _ = try await whenProcessed(query, "/processed_orders/123459", timeout: .seconds(60))
                let laptop = try await call(.GET, query, "/inventory").json["Laptop"] as? [String: Int]
                #expect(laptop == ["in_stock": 7, "sold": 3, "backordered": 0])
            }
        }
    }

    @Test("An order another Kafka client wrote as plain JSON, without headers, is processed too")
    func plainRecordFromAnotherClient() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("MessageBus", partitions: 3)
        try await produceWithKcat(
            [#"{"order_id": "PY-1", "product": "Monitor", "quantity": 2, "price": 150.5}"#],
            to: "MessageBus",
            bootstrapServers: cluster.bootstrapServers
        )

        let inventory = try buildApplication(
            testConfiguration(.inventory, kafka: cluster.clientConfiguration),
            logger: quietLogger
        )
        try await running([inventory]) {
            let processed = try await whenProcessed(try await inventory.queryPort(), "/processed_orders/PY-1")
            #expect(processed.json["product"] as? String == "Monitor")
            #expect(processed.json["price"] as? Double == 150.5)
            #expect(processed.json["timestamp"] as? Double != nil)
            let monitor =
                try await call(.GET, try await inventory.queryPort(), "/inventory").json["Monitor"] as? [String: Int]
            #expect(monitor == ["in_stock": 13, "sold": 2, "backordered": 0])
        }
    }
}
