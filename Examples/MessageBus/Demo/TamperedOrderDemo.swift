import ExampleSupport
import Foundation
import MessageSecurity
import Messaging

/// The last part of `--demo --secure`: an order sealed as sales seals it, with one byte of its
/// ciphertext changed on the way, is published straight to the topic. Inventory and billing
/// refuse it; the demo prints what an operator then sees: the quarantined copies on the
/// quarantine topic with their reason, the rejection counter of `GET /metrics`, and the order
/// that was never processed.
struct TamperedOrderDemo: Sendable {
    /// The order whose sealed form is tampered with.
    static let order = Order(orderID: "123460", product: "Laptop", quantity: 1, price: 1200.0)

    let application: ExampleApplication
    let security: OrderSecurity
    /// How long the receivers have to refuse the order.
    var deadline: Duration = .seconds(30)

    /// The order, sealed under the active key as sales seals it, with the middle byte of its
    /// ciphertext flipped.
    func tamperedMessage() throws -> Message {
        var order = Self.order
        order.timestamp = Date().timeIntervalSince1970
        let message = Message(
            source: OrderSecurity.salesSource,
            type: Order.messageType,
            dataContentType: "application/json",
            key: order.orderID,
            payload: try JSONEncoder().encode(order)
        )
        var sealed = try MessageSealer(keys: security.keys).seal(message, with: OrderSecurity.algorithm)
        let middle = sealed.payload.index(sealed.payload.startIndex, offsetBy: sealed.payload.count / 2)
        sealed.payload[middle] ^= 0x01
        return sealed
    }

    /// Publishes the tampered order and prints how it was refused.
    ///
    /// - Throws: ``ExampleError`` if the receivers did not quarantine it within ``deadline``, or
    ///   an unexpected answer to the final query.
    func run(with printer: DemoPrinter) async throws {
        let configuration = application.configuration
        let message = try tamperedMessage()
        try await application.transport.publish(message, to: configuration.topic)
        printer.output(
            """
            TAMPERED ORDER published straight to the topic '\(configuration.topic)': order \(Self.order.orderID), \
            message \(message.id), sealed under key '\(message.extensions[SealAttribute.keyID] ?? "")' \
            with one byte of its ciphertext flipped
            """
        )
        let receivers = [configuration.runsInventory, configuration.runsBilling].filter { $0 }.count
        try await waitForRejections(receivers)
        for quarantined in try await quarantined(id: message.id, count: receivers) {
            let headers = quarantined.headers
            printer.output(
                """
                QUARANTINED on '\(configuration.quarantineTopic)': message \(quarantined.id)
                reason: \(headers[SealAttribute.Quarantine.reason] ?? "none")
                error: \(headers[SealAttribute.Quarantine.error] ?? "none")
                """
            )
        }
        printer.output("METRICS\n" + rejectionLines().joined(separator: "\n"))
        try await printer.run([
            DemoCall(
                method: .GET,
                port: try await application.queryPort(),
                path: "/processed_orders/\(Self.order.orderID)",
                expected: .notFound
            )
        ])
    }

    // MARK: - Watching

    /// The lines of `messagesecurity_rejected_total` in the process's metrics.
    private func rejectionLines() -> [String] {
        let label = SecureReceiver.rejectedCounterLabel
        return application.metrics.text.split(separator: "\n").map(String.init).filter {
            $0.hasPrefix(label + "{") || $0.hasPrefix(label + " ")
        }
    }

    /// Waits until the receivers refused `count` messages, the last step of a refusal after the
    /// quarantine topic received it.
    private func waitForRejections(_ count: Int) async throws {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: deadline)
        while rejectionLines().compactMap({ $0.split(separator: " ").last.flatMap { Double($0) } }).reduce(0, +)
            < Double(count)
        {
            guard clock.now < end else {
                throw ExampleError("the tampered order was not refused within \(deadline)")
            }
            try await clock.sleep(for: .milliseconds(50))
        }
    }

    /// The `count` quarantined copies of message `id`, read from the quarantine topic.
    private func quarantined(id: String, count: Int) async throws -> [Message] {
        let topic = application.configuration.quarantineTopic
        let found = try await readMessages(from: topic, on: application.transport, count: count, within: deadline) {
            $0.id == id
        }
        guard let found else {
            throw ExampleError("'\(topic)' did not show the tampered order \(count) times within \(deadline)")
        }
        return found
    }
}

/// The first `count` messages on `topic` that `matches` accepts, read from the earliest as a new
/// consumer group; `nil` if `deadline` passes first.
func readMessages(
    from topic: String,
    on transport: any MessageTransport,
    count: Int,
    within deadline: Duration,
    where matches: @escaping @Sendable (Message) -> Bool = { _ in true }
) async throws -> [Message]? {
    let deliveries = try await transport.subscribe(
        to: topic,
        group: "reader-\(UUID().uuidString.prefix(8).lowercased())",
        options: SubscriptionOptions(startPosition: .earliest)
    )
    return try await withThrowingTaskGroup(of: [Message]?.self) { tasks in
        tasks.addTask {
            var found: [Message] = []
            for try await delivery in deliveries {
                try delivery.acknowledge()
                if matches(delivery.message) {
                    found.append(delivery.message)
                    if found.count >= count { break }
                }
            }
            return found.count >= count ? found : nil
        }
        tasks.addTask {
            try await Task.sleep(for: deadline)
            return nil
        }
        let first = try await tasks.next() ?? nil
        await deliveries.close()
        tasks.cancelAll()
        return first
    }
}
