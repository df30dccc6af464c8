import InMemoryTransport
import MessageBus
import Messaging
import Metrics
import MetricsTestKit
import Testing

/// A middleware as another module would write it: it rejects messages without a `price`
/// header, counts them with the bus's metrics factory and tells the bus's notifier.
struct RequirePrice: MessageMiddleware {
    func handle(_ message: Message, context: HandlerContext, next: NextHandler) async throws -> [OutgoingMessage] {
        guard message.headers["price"] != nil else {
            Counter(label: "shop_unpriced_total", factory: context.metricsFactory).increment()
            context.logger.warning("Order without a price")
            await context.notify(
                BusNotification(
                    .invalidMessage,
                    summary: "Order \(message.id) has no price.",
                    context: context,
                    error: PaymentDeclined()
                )
            )
            return []
        }
        return try await next(message, context)
    }
}

@Suite("Hooks for other modules")
struct HookTests {
    @Test func aMiddlewareCountsAndNotifiesThroughTheBus() async throws {
        let metrics = TestMetrics()
        let notifier = RecordingNotifier()
        let transport = InMemoryTransport()
        let bus = Bus(transport: transport, middleware: [RequirePrice()], metricsFactory: metrics, notifier: notifier)
        let handled = Collector<String>()
        try bus.handle(from: "orders", group: "billing", options: .init(concurrency: 1)) { message, _ in
            handled.append(message.id)
            return []
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            var priced = Message(id: "priced")
            priced.headers["price"] = "10"
            try await bus.publish([Message(id: "unpriced"), priced], to: "orders")
            try await eventually("the priced order was handled") { handled.all == ["priced"] }
        }
        let notification = try #require(notifier.received.all.first)
        #expect(notifier.received.count == 1)
        #expect(notification.kind == .invalidMessage)
        #expect(notification.messageID == "unpriced")
        #expect(notification.correlationID == "unpriced")
        #expect(notification.topic == "orders")
        #expect(notification.group == "billing")
        #expect(notification.handler == "billing")
        #expect(notification.reason == "paymentDeclined")
        #expect(metrics.counterTotal(label: "shop_unpriced_total") == 1)
    }

    @Test func aServiceNotifiesThroughTheBusOutsideAHandling() async throws {
        let notifier = RecordingNotifier()
        let bus = Bus(transport: InMemoryTransport(), notifier: notifier)
        await bus.notify(BusNotification(kind: .serviceDead, summary: "Billing sent no heartbeat for 30 s."))
        await bus.notify(BusNotification(kind: .serviceRestored, summary: "Billing is back."))
        #expect(notifier.received.all.map(\.kind) == [.serviceDead, .serviceRestored])
        #expect(BusNotification.Kind.securityViolation.name == "securityViolation")
    }
}
