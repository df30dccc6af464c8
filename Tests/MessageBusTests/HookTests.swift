import MessageBus
import MessageBusTesting
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
        let harness = BusHarness(middleware: [RequirePrice()], metricsFactory: metrics)
        let handled = Collector<String>()
        try harness.bus.consume(from: "orders", group: "billing", options: .init(concurrency: 1)) { message, _ in
            handled.append(message.id)
        }
        try await harness.run {
            var priced = Message(id: "priced")
            priced.headers["price"] = "10"
            try await harness.bus.publish([Message(id: "unpriced"), priced], to: "orders")
            try await harness.waitUntilHandled("orders", group: "billing")
        }
        #expect(handled.all == ["priced"])
        let notification = try #require(harness.notifications.first)
        #expect(harness.notifications.count == 1)
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
        let harness = BusHarness()
        await harness.bus.notify(BusNotification(kind: .serviceDead, summary: "Billing sent no heartbeat for 30 s."))
        await harness.bus.notify(BusNotification(kind: .serviceRestored, summary: "Billing is back."))
        #expect(harness.notifications.map(\.kind) == [.serviceDead, .serviceRestored])
        #expect(BusNotification.Kind.securityViolation.name == "securityViolation")
    }
}
