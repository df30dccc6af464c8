import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension ScenarioContext {
    /// Publishes `message` and returns it as a new group receives it.
    func roundTrip(_ message: Message, file: String = #fileID, line: Int = #line) async throws -> Message {
        let deliveries = try await subscribe(first, group: "round-trip-\(message.id.prefix(8))")
        try await first.publish(message, to: topic)
        return try await receive(1, from: deliveries, file: file, line: line)[0].message
    }

    func expectEqual(_ received: Message, _ sent: Message, file: String = #fileID, line: Int = #line) throws {
        var comparable = received
        comparable.time = sent.time
        try expect(comparable == sent, "received \(received); sent \(sent)", file: file, line: line)
        switch (received.time, sent.time) {
        case (nil, nil):
            break
        case (let got?, let want?):
            let drift = abs(got.timeIntervalSince(want))
            try expect(drift < 0.001, "time changed by \(drift) seconds in transit", file: file, line: line)
        default:
            throw failure(
                "time was \(String(describing: sent.time)), arrived as \(String(describing: received.time))",
                file: file,
                line: line
            )
        }
    }

    func attributesAndHeadersRoundTrip() async throws {
        let sent = Message(
            id: "order-123458",
            source: "/sales/checkout",
            type: "com.example.order.placed",
            time: Date(timeIntervalSince1970: 1_740_246_230.305),
            subject: "123458",
            dataContentType: "application/json",
            dataSchema: "https://example.com/schemas/order.json",
            extensions: ["tenant": "acme", "priority": "7"],
            key: "123458",
            headers: ["correlation-id": "c-1", "causation-id": "c-0", "reply-to": "orders.replies", "empty": ""],
            payload: Data(#"{"order_id":"123458","product":"Laptop","quantity":1,"price":1200.0}"#.utf8)
        )
        try expectEqual(try await roundTrip(sent), sent)
    }

    func emptyPayload() async throws {
        let sent = Message(type: "conformance.empty", payload: Data())
        let received = try await roundTrip(sent)
        try expect(received.payload.isEmpty, "an empty payload arrived as \(received.payload.count) bytes")
        try expectEqual(received, sent)
    }

    func largePayload() async throws {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<ConformanceScenario.largePayloadBytes).map { _ in
            UInt8.random(in: .min ... .max, using: &generator)
        }
        let sent = Message(type: "conformance.large", payload: Data(bytes))
        let received = try await roundTrip(sent)
        try expect(
            received.payload == sent.payload,
            "a \(sent.payload.count)-byte payload arrived as \(received.payload.count) different bytes"
        )
        try expectEqual(received, sent)
    }

    func binaryAndUnicodeContent() async throws {
        let text = "¡Hola! 注文 🛒💻 Ñandú — עברית e\u{301} \u{1F1E8}\u{1F1F4}"
        let binary = Message(
            type: "conformance.binary",
            dataContentType: "application/octet-stream",
            payload: Data((0...255).map(UInt8.init) + [0xFF, 0xFE, 0x00, 0xC3, 0x28])
        )
        try expectEqual(try await roundTrip(binary), binary)
        let unicode = Message(
            id: "id-\(text)",
            source: "/ventas/\(text)",
            type: "conformance.unicode.\(text)",
            subject: text,
            extensions: ["note": text],
            key: "clave-\(text)",
            headers: ["texto": text, "ключ-\(text)": "значение"],
            payload: Data(text.utf8)
        )
        try expectEqual(try await roundTrip(unicode), unicode)
    }

    func newGroupFromEarliest() async throws {
        let sent = messages(30, key: "one-key")
        try await publish(sent, on: first)
        let deliveries = try await subscribe(try await newTransport(), group: "late-joiner", from: .earliest)
        try expectSameIDs(try await receive(30, from: deliveries), sent, ordered: true)
        try await expectNothingMore(from: deliveries, key: "one-key")
    }

    func newGroupFromLatest() async throws {
        try await publish(messages(10, key: "one-key", label: "old"), on: first)
        let deliveries = try await subscribe(first, group: "from-now-on", from: .latest)
        let sent = messages(10, key: "one-key", label: "new")
        try await publish(sent, on: first)
        try expectSameIDs(try await receive(10, from: deliveries), sent, ordered: true)
        try await expectNothingMore(from: deliveries, key: "one-key")
    }
}
