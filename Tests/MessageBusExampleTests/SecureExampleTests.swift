import ArgumentParser
import ExampleSupport
import ExampleTesting
import Foundation
import InMemoryTransport
import KafkaTransport
import MessageSecurity
import Messaging
import Testing

@testable import MessageBusExample

/// A new key file with the active symmetric key `orders-1`, in a temporary directory.
func temporaryKeyFile(_ contents: Data? = nil) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString).json").path
    try (contents ?? KeyRing.generateKeyFile(keyID: "orders-1")).write(to: URL(fileURLWithPath: path))
    return path
}

/// `configuration` with `--secure --keys keyFile`.
func secured(_ configuration: ExampleConfiguration, keyFile: String) throws -> ExampleConfiguration {
    var configuration = configuration
    configuration.security = try OrderSecurity(keyFile: keyFile)
    return configuration
}

@Suite("Course case 000 with --secure")
struct SecureExampleTests {
    /// An order of `product`, as JSON, the way sales publishes it.
    func orderMessage(_ orderID: String, product: String, source: String = OrderSecurity.salesSource) throws -> Message
    {
        let order = Order(orderID: orderID, product: product, quantity: 1, price: 10, timestamp: 1_740_246_230)
        return Message(
            source: source,
            type: Order.messageType,
            dataContentType: "application/json",
            key: orderID,
            payload: try JSONEncoder().encode(order)
        )
    }

    /// All three applications in one process on `transport`, with `security` or a new key file.
    func secureApplication(on transport: InMemoryTransport, security: OrderSecurity? = nil) throws -> ExampleApplication
    {
        var configuration = testConfiguration()
        configuration.security = try security ?? OrderSecurity(keyFile: temporaryKeyFile())
        return try buildApplication(configuration, transport: transport, logger: quietLogger)
    }

    @Test("The seed's flow works sealed: the order on the topic is ciphertext, inventory and billing open it")
    func seedFlow() async throws {
        let transport = InMemoryTransport()
        let application = try secureApplication(on: transport)
        try await running([application]) {
            let produced = try await call(.POST, try await application.salesPort(), "/produce", body: seedOrder)
            #expect(produced.status == 200)
            let query = try await application.queryPort()
            let processed = try await whenProcessed(query, "/processed_orders/123458")
            #expect(processed.body == seedProcessedOrder + "\n")
            #expect(try await call(.GET, query, "/invoices/123458").json["total"] as? Double == 1200.0)
            let laptop = try await call(.GET, query, "/inventory").json["Laptop"] as? [String: Int]
            #expect(laptop == ["in_stock": 9, "sold": 1, "backordered": 0])

            let onTopic = try #require(
                try await readMessages(from: "MessageBus", on: transport, count: 1, within: .seconds(10))?.first
            )
            #expect(onTopic.extensions[SealAttribute.algorithm] == "aes256gcm")
            #expect(onTopic.extensions[SealAttribute.keyID] == "orders-1")
            #expect(onTopic.dataContentType == "application/octet-stream")
            let bytes = String(decoding: onTopic.payload, as: UTF8.self)
            for field in ["order_id", "123458", "Laptop", "1200"] {
                #expect(!bytes.contains(field))
            }
            #expect(transport.broker.snapshot(of: "MessageBus.quarantine") == nil)
        }
    }

    /// A message no receiver may let through, and the reason it is refused for.
    enum Forgery: String, CaseIterable {
        /// Sealed as sales seals it, then one ciphertext byte flipped.
        case tampered
        /// Plain JSON, as anyone who can reach the topic can write.
        case unsealed
        /// Sealed with the shared key, but claiming to come from billing.
        case wrongSource

        var reason: String {
            switch self {
            case .tampered: "tampered"
            case .unsealed: "unencrypted"
            case .wrongSource: "unauthorized"
            }
        }
    }

    @Test(
        "A forged order is quarantined by inventory and billing with its reason, and no handler runs",
        arguments: Forgery.allCases
    )
    func forgedOrderIsQuarantined(_ forgery: Forgery) async throws {
        let transport = InMemoryTransport()
        let security = try OrderSecurity(keyFile: temporaryKeyFile())
        let application = try secureApplication(on: transport, security: security)
        let sealer = MessageSealer(keys: security.keys)
        var forged: Message
        switch forgery {
        case .tampered:
            forged = try sealer.seal(orderMessage("F-1", product: "Tablet"), with: .aes256GCM)
            forged.payload[forged.payload.startIndex + 20] ^= 0x80
        case .unsealed:
            forged = try orderMessage("F-1", product: "Tablet")
        case .wrongSource:
            forged = try sealer.seal(orderMessage("F-1", product: "Tablet", source: "/billing"), with: .aes256GCM)
        }
        try await running([application]) {
            try await transport.publish(forged, to: "MessageBus")
            let id = forged.id
            let quarantined = try #require(
                try await readMessages(from: "MessageBus.quarantine", on: transport, count: 2, within: .seconds(20)) {
                    $0.id == id
                }
            )
            for message in quarantined {
                #expect(message.headers[SealAttribute.Quarantine.reason] == forgery.reason)
                #expect(message.headers[SealAttribute.Quarantine.sourceTopic] == "MessageBus")
                #expect(message.payload == forged.payload)
            }
            let query = try await application.queryPort()
            #expect(try await call(.POST, try await application.salesPort(), "/produce", body: seedOrder).status == 200)
            _ = try await whenProcessed(query, "/processed_orders/123458")
            #expect(try await call(.GET, query, "/processed_orders/F-1").status == 404)
            #expect(try await call(.GET, query, "/invoices/F-1").status == 404)
            #expect(try await call(.GET, query, "/inventory").json["Tablet"] == nil)
            #expect(
                application.metrics.text.contains(
                    "\(SecureReceiver.rejectedCounterLabel){reason=\"\(forgery.reason)\"} 2"
                )
            )
            #expect(transport.broker.snapshot(of: "MessageBus.dead") == nil)
        }
    }

    @Test("A handled order published again with its valid seal is refused as replayed")
    func replayIsQuarantined() async throws {
        let transport = InMemoryTransport()
        let application = try secureApplication(on: transport)
        try await running([application]) {
            #expect(try await call(.POST, try await application.salesPort(), "/produce", body: seedOrder).status == 200)
            let query = try await application.queryPort()
            _ = try await whenProcessed(query, "/processed_orders/123458")
            let original = try #require(
                try await readMessages(from: "MessageBus", on: transport, count: 1, within: .seconds(10))?.first
            )
            try await transport.publish(original, to: "MessageBus")
            let quarantined = try #require(
                try await readMessages(from: "MessageBus.quarantine", on: transport, count: 2, within: .seconds(20))
            )
            #expect(quarantined.map { $0.headers[SealAttribute.Quarantine.reason] } == ["replayed", "replayed"])
            let laptop = try await call(.GET, query, "/inventory").json["Laptop"] as? [String: Int]
            #expect(laptop?["sold"] == 1)
        }
    }

    @Test("--demo --secure ends with a tampered order refused, quarantined and reported")
    func demo() async throws {
        let configuration = try secured(testConfiguration(), keyFile: temporaryKeyFile())
        let application = try buildApplication(configuration, logger: quietLogger)
        let lines = Lines()
        try await running([application]) {
            try await Demo(application: application).run(with: DemoPrinter { lines.append($0) })
        }
        let blocks = lines.all
        #expect(blocks.filter { $0.hasPrefix("200 OK\n") }.count == 4)
        let tampered = try #require(blocks.firstIndex { $0.hasPrefix("TAMPERED ORDER") })
        #expect(blocks[tampered].contains("'MessageBus'"))
        let quarantined = blocks.filter { $0.hasPrefix("QUARANTINED on 'MessageBus.quarantine'") }
        #expect(quarantined.count == 2)
        #expect(quarantined.allSatisfy { $0.contains("\nreason: tampered\n") })
        #expect(blocks.contains { $0.hasPrefix("METRICS\n") && $0.contains(#"{reason="tampered"} 2"#) })
        #expect(blocks.last?.hasPrefix("404 Not Found\n") == true)
        #expect(blocks.contains("GET http://localhost:\(try await application.queryPort())/processed_orders/123460"))
    }

    @Test("--secure without --keys, --keys without --secure, and bad key files are refused, naming the option and file")
    func refusedConfigurations() throws {
        do {
            _ = try MessageBusExample.parse(["--secure"])
            Issue.record("--secure without --keys was accepted")
        } catch {
            #expect(MessageBusExample.message(for: error).contains("--secure needs --keys FILE"))
        }
        do {
            _ = try MessageBusExample.parse(["--keys", "keys.json"])
            Issue.record("--keys without --secure was accepted")
        } catch {
            #expect(MessageBusExample.message(for: error).contains("--keys is used only with --secure"))
        }
        #expect(throws: ExampleError("--keys: The key file '/nonexistent/keys.json' does not exist.")) {
            try OrderSecurity(keyFile: "/nonexistent/keys.json")
        }
        let notBase64 = try temporaryKeyFile(
            Data(#"{"active": "k", "keys": [{"id": "k", "algorithm": "symmetric", "key": "not base64!"}]}"#.utf8)
        )
        #expect(
            throws: ExampleError("--keys: The key file '\(notBase64)' has a bad key #1: key 'k' is not base64.")
        ) {
            try OrderSecurity(keyFile: notBase64)
        }
        let openOnly = try temporaryKeyFile(
            Data(
                #"{"keys": [{"id": "k", "algorithm": "symmetric", "key": "\#(Data(count: 32).base64EncodedString())"}]}"#
                    .utf8
            )
        )
        let error = #expect(throws: ExampleError.self) {
            try buildApplication(secured(testConfiguration(), keyFile: openOnly), logger: quietLogger)
        }
        #expect(error?.description.hasPrefix("--keys: sales cannot seal orders") == true)
        #expect(error?.description.contains("no active key") == true)
        // Inventory alone only opens, so a ring without an active key serves it.
        let inventory = try secured(
            testConfiguration(.inventory, kafka: KafkaConfiguration(bootstrapServers: ["localhost:9092"])),
            keyFile: openOnly
        )
        #expect(throws: Never.self) {
            try buildApplication(inventory, transport: InMemoryTransport(), logger: quietLogger)
        }
    }
}
