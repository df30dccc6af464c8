import ExampleSupport
import ExampleTesting
import Foundation
import InMemoryTransport
import Messaging
import Synchronization
import Testing

@testable import ChannelAdapterExample

/// The seed's answer to `POST /send`, character for character.
let seedAnswer = """
    {
        "data": {
            "id": 1,
            "mensaje": "Hola desde Postman"
        },
        "message": "Mensaje enviado a Kafka"
    }
    """

/// A configuration on ports the system chooses, with short waits between tries.
func testConfiguration() -> ExampleConfiguration {
    var configuration = ExampleConfiguration(adapterPort: 0, erpPort: 0, inventoryPort: 0, supplierPort: 0)
    configuration.pollBackoff = .init(initial: .milliseconds(20), maximum: .milliseconds(200), jitter: 0)
    configuration.updatePolicy = .init(
        maximumAttempts: 6,
        backoff: .init(initial: .milliseconds(20), maximum: .milliseconds(200), jitter: 0)
    )
    return configuration
}

/// Messages ever written on `topic`.
func published(on transport: InMemoryTransport, _ topic: String) -> Int64 {
    transport.broker.snapshot(of: topic)?.partitions.reduce(0) { $0 + $1.endOffset } ?? 0
}

/// Waits until `GET :erp/orders/{id}` answers an order whose `status` is `status`, and returns it.
func order(_ id: Int, on erp: Int, becomes status: String) async throws -> Answer {
    try await eventually(erp, "/orders/\(id)") { $0.json["status"] as? String == status }
}

@Suite("Course case 002 on the in-memory transport")
struct ChannelAdapterExampleTests {
    /// Runs the example on a fresh in-memory transport.
    func withExample(_ body: (ExampleApplication, InMemoryTransport) async throws -> Void) async throws {
        let transport = InMemoryTransport()
        let application = try buildApplication(testConfiguration(), transport: transport, logger: quietLogger)
        try await running([application]) {
            try await body(application, transport)
        }
    }

    @Test("The seed's POST /send answers the seed's JSON, character for character, and publishes the message")
    func seedCall() async throws {
        try await withExample { application, transport in
            let answer = try await call(
                .POST,
                application.adapterPort(),
                "/send",
                body: #"{"id": 1, "mensaje": "Hola desde Postman"}"#
            )
            #expect(answer.status == 200)
            #expect(answer.contentType == "application/json")
            #expect(answer.body == seedAnswer + "\n")
            #expect(published(on: transport, Topics.messages) == 1)
        }
    }

    @Test("Bad input to /send answers 400, 413 or 415 naming what was wrong, and publishes nothing")
    func badInput() async throws {
        try await withExample { application, transport in
            let port = try await application.adapterPort()
            let seed = Data(#"{"id": 1, "mensaje": "Hola desde Postman"}"#.utf8)
            let wrongType = try await call(.POST, port, "/send", bytes: seed, contentType: "text/plain")
            #expect(wrongType.status == 415)
            #expect((wrongType.json["error"] as? String)?.contains("text/plain") == true)
            #expect(try await call(.POST, port, "/send", bytes: seed, contentType: nil).status == 415)
            let large = Data(#"{"id": 1, "mensaje": ""#.utf8) + Data(repeating: 0x61, count: 70_000) + Data(#""}"#.utf8)
            #expect(try await call(.POST, port, "/send", bytes: large, contentType: "application/json").status == 413)
            let cases: [(String, String?)] = [
                ("not json", nil),
                ("[]", nil),
                (#"{"id": "uno", "mensaje": "Hola"}"#, "id"),
                (#"{"id": 1}"#, "mensaje"),
                (#"{"id": 1, "mensaje": "Hola", "extra": true}"#, "extra"),
            ]
            for (body, field) in cases {
                let answer = try await call(.POST, port, "/send", body: body)
                #expect(answer.status == 400, "\(body)")
                #expect(answer.json["field"] as? String == field, "\(body)")
            }
            #expect(published(on: transport, Topics.messages) == 0)
        }
    }

    @Test("An order created in the ERP reaches the inventory and its supplier, and ends confirmed in the ERP")
    func journey() async throws {
        try await withExample { application, transport in
            let erp = try await application.erpPort()
            let created = try await call(
                .POST,
                erp,
                "/orders",
                body: #"{"product": "Laptop", "quantity": 3, "supplier": "acme"}"#
            )
            #expect(created.status == 201)
            #expect(created.json["status"] as? String == "pending")
            let confirmed = try await order(1, on: erp, becomes: "confirmed")
            let confirmations = confirmed.json["confirmations"] as? [String: [String: String]]
            #expect(confirmations?["inventory"]?["detail"] == "stock reserved: 3 × Laptop, 7 left")
            #expect(confirmations?["supplier"]?["detail"]?.hasPrefix("acme ships 3 × Laptop on ") == true)
            let stock = try await call(.GET, application.inventoryPort(), "/stock")
            #expect((stock.json["Laptop"] as? [String: Int])?["reserved"] == 3)
            let history = try await call(.GET, erp, "/orders/1/history")
            let updates = history.json["status_updates"] as? [[String: Any]] ?? []
            #expect(updates.map { $0["answer"] as? Int } == [200, 200])
            let keys = Set(updates.compactMap { $0["idempotency_key"] as? String })
            #expect(keys == ["confirmation/inventory/1", "confirmation/supplier/1"])
            #expect(published(on: transport, Topics.purchaseOrders) == 1)
        }
    }

    @Test(
        "The ERP answers 503 twice: the adapter tries again under the same Idempotency-Key, and the order ends confirmed"
    )
    func retriesAfter503() async throws {
        try await withExample { application, _ in
            let erp = try await application.erpPort()
            let fault = try await call(.POST, erp, "/faults", body: #"{"status": 503, "count": 2}"#)
            #expect(fault.status == 200)
            _ = try await call(
                .POST,
                erp,
                "/orders",
                body: #"{"product": "Monitor", "quantity": 2, "supplier": "acme"}"#
            )
            _ = try await order(1, on: erp, becomes: "confirmed")
            let history = try await call(.GET, erp, "/orders/1/history")
            let updates = history.json["status_updates"] as? [[String: Any]] ?? []
            #expect(updates.map { $0["answer"] as? Int } == [503, 503, 200, 200])
            let keys = updates.map { $0["idempotency_key"] as? String }
            #expect(keys.count == 4 && keys[0] == keys[1] && keys[1] == keys[2] && keys[2] != keys[3])
        }
    }

    @Test("The ERP answers 400: no retry, the confirmation is set aside as a dead letter, the order stays pending")
    func refusedUpdateIsDeadLettered() async throws {
        try await withExample { application, transport in
            let erp = try await application.erpPort()
            _ = try await call(.POST, erp, "/faults", body: #"{"status": 400, "count": 1}"#)
            _ = try await call(.POST, erp, "/orders", body: #"{"product": "Mouse", "quantity": 1, "supplier": "acme"}"#)
            let history = try await eventually(erp, "/orders/1/history") {
                ($0.json["status_updates"] as? [Any])?.count == 2
            }
            let updates = history.json["status_updates"] as? [[String: Any]] ?? []
            #expect(updates.map { $0["answer"] as? Int } == [400, 200])
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(60))
            while published(on: transport, ERPLink.deadLetterTopic) == 0, clock.now < deadline {
                try await clock.sleep(for: .milliseconds(20))
            }
            #expect(published(on: transport, ERPLink.deadLetterTopic) == 1)
            let pending = try await call(.GET, erp, "/orders/1")
            #expect(pending.json["status"] as? String == "pending")
        }
    }

    @Test("A supplier down holds up none of the other orders; once back, its order is confirmed too")
    func supplierDown() async throws {
        try await withExample { application, _ in
            let erp = try await application.erpPort()
            let suppliers = try await application.supplierPort()
            #expect(try await call(.PUT, suppliers, "/suppliers/globex/outage").status == 200)
            _ = try await call(
                .POST,
                erp,
                "/orders",
                body: #"{"product": "Keyboard", "quantity": 5, "supplier": "globex"}"#
            )
            _ = try await call(
                .POST,
                erp,
                "/orders",
                body: #"{"product": "Mouse", "quantity": 10, "supplier": "acme"}"#
            )
            _ = try await order(2, on: erp, becomes: "confirmed")
            let waiting = try await eventually(erp, "/orders/1") {
                ($0.json["confirmations"] as? [String: Any])?["inventory"] != nil
            }
            #expect(waiting.json["status"] as? String == "pending")
            #expect((waiting.json["confirmations"] as? [String: Any])?["supplier"] == nil)
            #expect(try await call(.DELETE, suppliers, "/suppliers/globex/outage").status == 200)
            let confirmed = try await order(1, on: erp, becomes: "confirmed")
            let supplier = (confirmed.json["confirmations"] as? [String: [String: String]])?["supplier"]
            #expect(supplier?["detail"]?.hasPrefix("globex ships 5 × Keyboard on ") == true)
        }
    }

    @Test("The ERP applies a status update once per Idempotency-Key, and refuses a key reused for another update")
    func idempotencyKey() async throws {
        try await withExample { application, _ in
            let erp = try await application.erpPort()
            // The supplier named is not one of the example's: only the test confirms the order.
            _ = try await call(
                .POST,
                erp,
                "/orders",
                body: #"{"product": "Laptop", "quantity": 1, "supplier": "nobody"}"#
            )
            _ = try await order(1, on: erp, becomes: "pending")
            let update = #"{"system": "supplier", "status": "confirmed", "detail": "ships tomorrow"}"#
            let first = try await call(.PUT, erp, "/orders/1/status", body: update, headers: ["Idempotency-Key": "k-1"])
            let again = try await call(.PUT, erp, "/orders/1/status", body: update, headers: ["Idempotency-Key": "k-1"])
            #expect(first.status == 200)
            #expect(again.status == 200)
            #expect(again.body == first.body)
            #expect(again.headers.first(name: "Idempotent-Replayed") == "true")
            let other = #"{"system": "supplier", "status": "rejected", "detail": "no stock"}"#
            let reused = try await call(.PUT, erp, "/orders/1/status", body: other, headers: ["Idempotency-Key": "k-1"])
            #expect(reused.status == 422)
            #expect(reused.json["field"] as? String == "Idempotency-Key")
            _ = try await call(
                .POST,
                erp,
                "/orders",
                body: #"{"product": "Mouse", "quantity": 1, "supplier": "nobody"}"#
            )
            let otherOrder = try await call(
                .PUT,
                erp,
                "/orders/2/status",
                body: update,
                headers: ["Idempotency-Key": "k-1"]
            )
            #expect(otherOrder.status == 422, "the same key and body for another order replayed the first answer")
            let bad = try await call(
                .PUT,
                erp,
                "/orders/1/status",
                body: #"{"system": "billing", "status": "confirmed", "detail": ""}"#
            )
            #expect(bad.status == 400)
            #expect(bad.json["field"] as? String == "system")
            #expect(try await call(.PUT, erp, "/orders/9/status", body: update).status == 404)
        }
    }

    @Test("GET /orders pages after a cursor, with the next cursor in the body and a Link header")
    func pages() async throws {
        try await withExample { application, _ in
            let erp = try await application.erpPort()
            for product in ["Laptop", "Monitor", "Mouse"] {
                _ = try await call(
                    .POST,
                    erp,
                    "/orders",
                    body: #"{"product": "\#(product)", "quantity": 1, "supplier": "acme"}"#
                )
            }
            let page = try await call(.GET, erp, "/orders?after=1&limit=1")
            #expect((page.json["orders"] as? [[String: Any]])?.map { $0["id"] as? Int } == [2])
            #expect(page.json["next_cursor"] as? String == "2")
            #expect(page.headers.first(name: "Link") == #"</orders?after=2&limit=1>; rel="next""#)
            let end = try await call(.GET, erp, "/orders?after=3")
            #expect((end.json["orders"] as? [Any])?.isEmpty == true)
            #expect(end.json["next_cursor"] as? String == "3")
            #expect(try await call(.GET, erp, "/orders?after=x").status == 400)
        }
    }

    @Test("The demo runs to its end")
    func demo() async throws {
        try await withExample { application, _ in
            let lines = Lines()
            try await Demo(application: application).run(with: DemoPrinter { lines.append($0) })
            let output = lines.text
            #expect(output.contains(seedAnswer))
            #expect(output.contains(#""answer": 503"#))
        }
    }
}

/// What a demo printed.
final class Lines: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    var text: String {
        lines.withLock { $0.joined(separator: "\n") }
    }
}
