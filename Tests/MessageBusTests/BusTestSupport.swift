import Foundation
import InMemoryTransport
import Logging
import MessageBus
import MessageBusTesting
import Messaging
import ServiceLifecycle
import Testing

/// A purchase, as the sales application of the course case publishes it.
struct OrderPlaced: BusMessage, Equatable {
    static let messageType = "sales.order.placed"

    var orderID: String
    var product: String
    var quantity: Int
    var price: Double

    var partitionKey: String? { orderID }

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id"
        case product, quantity, price
    }
}

/// Runs `services` in a service group around `body`, then shuts them down gracefully, the last
/// one first.
func running(
    _ services: [any Service],
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws -> Void
) async throws {
    try await withRunningServices(services, logger: Logger(label: "test"), body)
}

/// Reads `count` messages of `topic` as a fresh group, acknowledging each.
func read(
    _ count: Int,
    from topic: String,
    on transport: some MessageTransport,
    group: String = "reader-\(UUID().uuidString)",
    timeout: Duration = .seconds(60),
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> [Message] {
    let deliveries = try await transport.subscribe(
        to: topic,
        group: group,
        options: SubscriptionOptions(startPosition: .earliest)
    )
    let received = Collector<Message>()
    _ = try await withDeadline({ try await Task.sleep(for: timeout) }) {
        guard count > 0 else { return }
        for try await delivery in deliveries {
            received.append(delivery.message)
            try delivery.acknowledge()
            if received.count == count { return }
        }
    }
    await deliveries.close()
    #expect(
        received.count == count,
        "expected \(count) messages on '\(topic)', got \(received.count)",
        sourceLocation: sourceLocation
    )
    return received.all
}

/// A failure a test handler throws on purpose.
struct PlannedFailure: Error, CustomStringConvertible {
    var description: String { "planned failure" }
}

/// A failure that declares itself permanent, as an application's own error type would.
struct PaymentDeclined: ClassifiedError {
    var codeName: String { "paymentDeclined" }
    var isRetriable: Bool { false }
}
