import Logging
import MessageBus

/// The billing application (*facturación*): receives every order from the Message Bus, as the
/// consumer group `billing`, and writes its invoice.
struct BillingApplication: Sendable {
    let billing = Billing()

    /// Registers the handler on `bus` for `topic`.
    init(bus: Bus, topic: String, logger: Logger) throws {
        try bus.handle(Order.self, from: topic, group: "billing", name: "invoice") { [billing] order, context in
            let order = order.stamped(by: context)
            guard let invoice = await billing.invoice(order) else {
                logger.info("Order already invoiced", metadata: ["order_id": "\(order.orderID)"])
                return []
            }
            logger.info("billing   ← order \(order.orderID): invoice total \(invoice.total)")
            return []
        }
    }
}
