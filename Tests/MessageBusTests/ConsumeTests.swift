import MessageBus
import MessageBusTesting
import Messaging
import Testing

@Suite("Closures that return nothing")
struct ConsumeTests {
    @Test func closuresThatPublishNothingReturnNothing() async throws {
        let harness = BusHarness(name: "shop")
        let seen = Collector<String>()
        try harness.bus.consume(from: "orders", group: "audit") { message, _ in
            seen.append("audit \(message.type)")
        }
        try harness.bus.consume(from: "orders", group: "notices") { message, context in
            try await context.publish(Message(id: "notice-\(message.id)"), to: "notices")
        }
        try harness.bus.consume(OrderPlaced.self, from: "orders", group: "stock") { order, _ in
            seen.append("stock \(order.orderID)")
            if order.quantity > 1 { seen.append("bulk \(order.orderID)") }
        }
        try harness.bus.handle(OrderPlaced.self, from: "orders", group: "billing") { order, _ in
            [OutgoingMessage(Message(id: "invoice-\(order.orderID)"), to: "invoices")]
        }
        try await harness.run {
            try await harness.bus.publish(
                OrderPlaced(orderID: "7", product: "Laptop", quantity: 2, price: 1200),
                to: "orders"
            )
            for group in ["audit", "notices", "stock", "billing"] {
                try await harness.waitUntilHandled("orders", group: group)
            }
        }
        #expect(Set(seen.all) == ["audit sales.order.placed", "stock 7", "bulk 7"])
        #expect(harness.published(to: "notices").count == 1)
        #expect(harness.published(to: "invoices").map(\.id) == ["invoice-7"])
    }

    @Test func aConsumerThatThrowsIsRetriedLikeAHandler() async throws {
        struct Declined: Error {}
        let harness = BusHarness()
        let attempts = Collector<Int>()
        try harness.bus.consume(from: "orders", group: "billing") { _, context in
            attempts.append(context.delivery.attempt)
            if context.delivery.attempt == 1 { throw Declined() }
        }
        try await harness.run {
            try await harness.transport.publish(Message(id: "m"), to: "orders")
            try await harness.waitUntilHandled("orders", group: "billing")
        }
        #expect(attempts.all == [1, 2])
    }
}
