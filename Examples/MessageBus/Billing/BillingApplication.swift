import Logging
import MessageBus

/// The billing application (*facturación*): receives every order from the Message Bus, as the
/// consumer group `billing`, and writes its invoice.
struct BillingApplication: Sendable {
    let billing: Billing

    /// Registers the handler on `bus` for `topic`, keeping the invoices in `billing`.
    init(bus: Bus, billing: Billing, topic: String, logger: Logger) throws {
        self.billing = billing
        try bus.consume(Order.self, from: topic, group: "billing", name: "invoice") { order, context in
            let order = order.stamped(by: context)
            guard let invoice = try await billing.invoice(order, handling: context) else {
                logger.info("Order already invoiced", metadata: ["order_id": "\(order.orderID)"])
                return
            }
            logger.info("billing   ← order \(order.orderID): invoice total \(invoice.total)")
        }
    }
}
