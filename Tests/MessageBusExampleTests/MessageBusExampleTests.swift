import ExampleSupport
import ExampleTesting
import Foundation
import InMemoryTransport
import Messaging
import Synchronization
import Testing

@testable import MessageBusExample

@Suite("Course case 000 on the in-memory transport")
struct MessageBusExampleTests {
    /// Messages on the topic `MessageBus`, counted on the broker.
    func published(on transport: InMemoryTransport) -> Int64 {
        transport.broker.snapshot(of: "MessageBus")?.partitions.reduce(0) { $0 + $1.endOffset } ?? 0
    }

    @Test("The seed's POST, then its GET, answer the seed's JSON; inventory and billing each take the order once")
    func seedFlow() async throws {
        let transport = InMemoryTransport()
        let application = try buildApplication(testConfiguration(), transport: transport, logger: quietLogger)
        try await running([application]) {
            let sales = try await application.salesPort()
            let query = try await application.queryPort()

            let produced = try await call(.POST, sales, "/produce", body: seedOrder)
            #expect(produced.status == 200)
            #expect(produced.body.hasPrefix(#"{\#n    "message": "Order sent to the Message Bus: topic 'MessageBus'"#))
            #expect(
                produced.body.hasSuffix(
                    "    \"order\": " + seedProcessedOrder.replacingOccurrences(of: "\n", with: "\n    ") + "\n}\n"
                )
            )

            let processed = try await whenProcessed(query, "/processed_orders/123458")
            #expect(processed.status == 200)
            #expect(processed.body == seedProcessedOrder + "\n")

            let invoice = try await call(.GET, query, "/invoices/123458")
            #expect(invoice.json["total"] as? Double == 1200.0)
            let laptop = try await call(.GET, query, "/inventory").json["Laptop"] as? [String: Int]
            #expect(laptop == ["in_stock": 9, "sold": 1, "backordered": 0])

            let again = try await call(.POST, sales, "/produce", body: seedOrder)
            #expect(again.status == 200)
            #expect(
                again.json["message"] as? String
                    == "Order 123458 was already sent to the in-memory transport; it was not sent again"
            )
            #expect(published(on: transport) == 1)
            #expect(await transport.consumerLag(of: "inventory", on: "MessageBus") == 0)
            #expect(await transport.consumerLag(of: "billing", on: "MessageBus") == 0)
        }
    }

    @Test("An order without a timestamp gets the time it was sent; the wrapped form is accepted")
    func timestampAndWrappedForm() async throws {
        let application = try buildApplication(testConfiguration(), logger: quietLogger)
        try await running([application]) {
            let sales = try await application.salesPort()
            let before = Date().timeIntervalSince1970
            let answer = try await call(
                .POST,
                sales,
                "/produce",
                body: #"{"order": {"order_id": "A-1", "product": "Mouse", "quantity": 2, "price": 25}}"#
            )
            let after = Date().timeIntervalSince1970
            #expect(answer.status == 200)
            let order = try #require(answer.json["order"] as? [String: Any])
            let timestamp = try #require(order["timestamp"] as? Double)
            #expect(timestamp >= before && timestamp <= after)
            #expect(order["price"] as? Double == 25)
            #expect(answer.body.contains(#""price": 25.0"#))

            let processed = try await whenProcessed(try await application.queryPort(), "/processed_orders/A-1")
            #expect(processed.json["timestamp"] as? Double == timestamp)
        }
    }

    @Test(
        "Bad input is refused with its status and the field at fault, and nothing is published",
        arguments: [
            (#"{"order_id": "1", "product": "Laptop", "quantity": 1, "price": 1200.0"#, 400, nil),
            (#"[{"order_id": "1"}]"#, 400, nil),
            (#"{"product": "Laptop", "quantity": 1, "price": 1200.0}"#, 400, "order_id"),
            (#"{"order_id": 123458, "product": "Laptop", "quantity": 1, "price": 1200.0}"#, 400, "order_id"),
            (#"{"order_id": "1", "product": "", "quantity": 1, "price": 1200.0}"#, 400, "product"),
            (#"{"order_id": "1", "product": "Laptop", "quantity": "1", "price": 1200.0}"#, 400, "quantity"),
            (#"{"order_id": "1", "product": "Laptop", "quantity": 1.5, "price": 1200.0}"#, 400, "quantity"),
            (#"{"order_id": "1", "product": "Laptop", "quantity": 0, "price": 1200.0}"#, 400, "quantity"),
            (#"{"order_id": "1", "product": "Laptop", "quantity": -3, "price": 1200.0}"#, 400, "quantity"),
            (#"{"order_id": "1", "product": "Laptop", "quantity": 1, "price": -1}"#, 400, "price"),
            (#"{"order_id": "1", "product": "Laptop", "quantity": 1, "price": null}"#, 400, "price"),
            (#"{"order_id": "1", "product": "Laptop", "quantity": 1, "price": 1, "colour": "red"}"#, 400, "colour"),
            (#"{"order": {"order_id": "1", "product": "Laptop", "quantity": 0, "price": 1}}"#, 400, "order.quantity"),
            (#"{"order_id": "123458", "product": "Laptop", "quantity": 2, "price": 1200.0}"#, 409, "order_id"),
        ] as [(String, Int, String?)]
    )
    func badInput(body: String, status: Int, field: String?) async throws {
        let transport = InMemoryTransport()
        let application = try buildApplication(testConfiguration(.all), transport: transport, logger: quietLogger)
        try await running([application]) {
            let sales = try await application.salesPort()
            #expect(try await call(.POST, sales, "/produce", body: seedOrder).status == 200)

            let answer = try await call(.POST, sales, "/produce", body: body)
            #expect(answer.status == status, "\(answer.body)")
            #expect(answer.json["field"] as? String == field)
            let error = try #require(answer.json["error"] as? String)
            if let field {
                #expect(error.contains(field.split(separator: ".").last.map(String.init) ?? field))
            }
            #expect(published(on: transport) == 1)
        }
    }

    @Test("GET of an unknown or unprocessed order is a 404 with a JSON error")
    func unknownOrder() async throws {
        let application = try buildApplication(testConfiguration(), logger: quietLogger)
        try await running([application]) {
            let query = try await application.queryPort()
            let answer = try await call(.GET, query, "/processed_orders/999")
            #expect(answer.status == 404)
            #expect(answer.json["error"] as? String == "order '999' has not been processed")
            #expect(try await call(.GET, query, "/invoices/999").status == 404)
        }
    }

    @Test("An order that is not valid on the topic goes to the dead-letter topic, and the stream goes on")
    func poisonOrderIsDeadLettered() async throws {
        let transport = InMemoryTransport()
        let application = try buildApplication(testConfiguration(), transport: transport, logger: quietLogger)
        try await running([application]) {
            try await transport.publish(
                Message(payload: Data(#"{"order_id": "X", "quantity": 1}"#.utf8)),
                to: "MessageBus"
            )
            let sales = try await application.salesPort()
            #expect(try await call(.POST, sales, "/produce", body: seedOrder).status == 200)
            let processed = try await whenProcessed(try await application.queryPort(), "/processed_orders/123458")
            #expect(processed.status == 200)
            let deadLetters = transport.broker.snapshot(of: "MessageBus.dead")?.partitions.reduce(0) {
                $0 + $1.endOffset
            }
            #expect(deadLetters == 2)
        }
    }

    @Test("The demo makes the seed's calls and prints each request and answer")
    func demo() async throws {
        let application = try buildApplication(testConfiguration(), logger: quietLogger)
        let lines = Lines()
        try await running([application]) {
            try await Demo(application: application).run(with: DemoPrinter { lines.append($0) })
        }
        let output = lines.all.joined(separator: "\n")
        #expect(output.contains("POST http://localhost:"))
        #expect(output.contains(#"{"order_id": "123458", "product": "Laptop", "quantity": 1, "price": 1200.0}"#))
        #expect(output.contains("GET http://localhost:"))
        #expect(output.contains("/processed_orders/123458"))
        #expect(lines.all.filter { $0.hasPrefix("200 OK\n") }.count == 4)
        #expect(lines.all.filter { $0.hasPrefix("400 Bad Request\n") }.count == 1)
        #expect(lines.all.filter { $0.hasPrefix("409 Conflict\n") }.count == 1)
    }

    @Test("Configurations that cannot work are refused, naming the option")
    func invalidConfigurations() throws {
        #expect(
            throws: ExampleError(
                "--role sales needs --kafka: on the in-memory transport every application runs in one process"
            )
        ) {
            try buildApplication(ExampleConfiguration(role: .sales), logger: quietLogger)
        }
        #expect(throws: ExampleError("--port must be a port number from 0 to 65535; got 70000")) {
            try buildApplication(ExampleConfiguration(salesPort: 70_000), logger: quietLogger)
        }
        #expect(throws: ExampleError("--port and --query-port must differ; both are 5001")) {
            try buildApplication(ExampleConfiguration(salesPort: 5001), logger: quietLogger)
        }
        #expect(throws: ExampleError("--kafka expects HOST:PORT (or several, comma-separated); got 'localhost'")) {
            try ExampleTransport.kafka("localhost", clientID: ExampleConfiguration.clientID)
        }
        guard case .kafka(let kafka) = try ExampleTransport.kafka("a:9092, b:9093", clientID: "MessageBusExample")
        else {
            Issue.record("--kafka did not choose Kafka")
            return
        }
        #expect(kafka.bootstrapServers == ["a:9092", "b:9093"])
        #expect(kafka.clientID == "MessageBusExample")
        #expect(ExampleConfiguration(role: .billing).effectiveQueryPort == 5002)
        #expect(ExampleConfiguration(role: .inventory).effectiveQueryPort == 5001)
    }

    @Test("JSON is written as the seed writes it: fractions kept, strings escaped")
    func jsonText() {
        let value = JSONValue.object([
            ("price", .number(1200)), ("name", .string("a \"b\"\n/c")), ("list", .array([.integer(1), .null])),
            ("empty", .object([])),
        ])
        #expect(
            value.text == """
                {
                    "price": 1200.0,
                    "name": "a \\"b\\"\\n/c",
                    "list": [
                        1,
                        null
                    ],
                    "empty": {}
                }
                """
        )
    }
}

/// Lines printed by the demo.
final class Lines: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    var all: [String] {
        lines.withLock { $0 }
    }
}
