import Foundation
import InMemoryTransport
import Messaging

/// A purchase, as the sales application sends it to the bus.
struct Order: Codable {
    var orderID: String
    var product: String
    var quantity: Int
    var price: Double
    var timestamp: Double

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id"
        case product, quantity, price, timestamp
    }
}

/// Sales tells inventory and billing about purchases through a message bus; neither knows sales.
@main
enum InMemoryDemo {
    static let topic = "MessageBus"

    static func main() async throws {
        let transport = InMemoryTransport()
        let inventory = try await transport.subscribe(to: topic, group: "inventory")
        let billing = try await transport.subscribe(to: topic, group: "billing")

        let orders = [
            Order(
                orderID: "123458",
                product: "Laptop",
                quantity: 1,
                price: 1200.0,
                timestamp: Date().timeIntervalSince1970
            ),
            Order(
                orderID: "123459",
                product: "Mouse",
                quantity: 2,
                price: 25.5,
                timestamp: Date().timeIntervalSince1970
            ),
            Order(
                orderID: "123460",
                product: "Laptop",
                quantity: 3,
                price: 1150.0,
                timestamp: Date().timeIntervalSince1970
            ),
        ]
        for order in orders {
            let message = try await transport.publish(order, to: topic, type: "sales.order.placed", key: order.orderID)
            print(
                "sales     → order \(order.orderID) (\(order.quantity) × \(order.product)) sent to '\(topic)' as \(message.id.prefix(8))"
            )
        }

        var stock = ["Laptop": 10, "Mouse": 50]
        try await consume(orders.count, from: inventory) { order in
            let before = stock[order.product, default: 0]
            stock[order.product] = before - order.quantity
            print("inventory ← order \(order.orderID): \(order.product) stock \(before) → \(before - order.quantity)")
        }

        var invoiced = 0.0
        try await consume(orders.count, from: billing) { order in
            let total = Double(order.quantity) * order.price
            invoiced += total
            print("billing   ← order \(order.orderID): invoice total \(String(format: "%.2f", total))")
        }

        await transport.shutdown()
        print(
            "Both applications received all \(orders.count) orders; invoiced \(String(format: "%.2f", invoiced)) in total."
        )
    }

    /// Handles `count` orders from one application's subscription, acknowledging each.
    static func consume(
        _ count: Int,
        from deliveries: InMemoryDeliveries,
        isolation: isolated (any Actor)? = #isolation,
        handle: (Order) -> Void
    ) async throws {
        var handled = 0
        for try await delivery in deliveries {
            handle(try delivery.decode(Order.self))
            try delivery.acknowledge()
            handled += 1
            if handled == count { return }
        }
    }
}
