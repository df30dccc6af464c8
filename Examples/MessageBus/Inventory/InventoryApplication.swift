import Logging
import MessageBus

/// The inventory application (*inventarios*): receives every order from the Message Bus, as the
/// consumer group `inventory`, and takes it from stock.
struct InventoryApplication: Sendable {
    let inventory: Inventory

    /// Registers the handler on `bus` for `topic`, keeping the data in `inventory`.
    init(bus: Bus, inventory: Inventory, topic: String, logger: Logger) throws {
        self.inventory = inventory
        try bus.consume(Order.self, from: topic, group: "inventory", name: "take-stock") { order, context in
            let order = order.stamped(by: context)
            guard let (before, after) = try await inventory.take(order, handling: context) else {
                logger.info("Order already processed", metadata: ["order_id": "\(order.orderID)"])
                return
            }
            logger.info(
                "inventory ← order \(order.orderID): \(order.product) stock \(before.inStock) → \(after.inStock)",
                metadata: after.backordered > before.backordered ? ["backordered": "\(after.backordered)"] : [:]
            )
        }
    }
}
