import Foundation
import Logging
import MessageBus

/// The inventory application (*inventarios*): receives every order from the Message Bus, as the
/// consumer group `inventory`, and takes it from stock.
struct InventoryApplication: Sendable {
    let inventory = Inventory()

    /// Registers the handler on `bus` for `topic`.
    init(bus: Bus, topic: String, logger: Logger) throws {
        try bus.handle(Order.self, from: topic, group: "inventory", name: "take-stock") { [inventory] order, context in
            let order = order.stamped(by: context)
            guard let (before, after) = await inventory.take(order) else {
                logger.info("Order already processed", metadata: ["order_id": "\(order.orderID)"])
                return []
            }
            logger.info(
                "inventory ← order \(order.orderID): \(order.product) stock \(before.inStock) → \(after.inStock)",
                metadata: after.backordered > before.backordered ? ["backordered": "\(after.backordered)"] : [:]
            )
            return []
        }
    }
}

extension Order {
    /// The order with the time it was published as its timestamp, when it has none (as one
    /// written by another Kafka client may not).
    func stamped(by context: HandlerContext) -> Order {
        var order = self
        if order.timestamp == nil {
            order.timestamp = (context.delivery.message.time ?? Date()).timeIntervalSince1970
        }
        return order
    }
}
