import ExampleSupport

/// The billing application's data: one invoice per processed order.
actor Billing: ProcessedOrders {
    /// What a customer is charged for one order.
    struct Invoice: Equatable, Sendable {
        var order: Order
        var total: Double { order.total }

        var json: JSONValue {
            .object([
                ("order_id", .string(order.orderID)),
                ("product", .string(order.product)),
                ("quantity", .integer(order.quantity)),
                ("timestamp", order.timestamp.map(JSONValue.number) ?? .null),
                ("total", .number(total)),
                ("unit_price", .number(order.price)),
            ])
        }
    }

    let applicationName = "billing"
    private var invoices: [String: Invoice] = [:]

    /// Writes the order's invoice, once per order id; `nil` when it was already invoiced.
    func invoice(_ order: Order) -> Invoice? {
        guard invoices[order.orderID] == nil else { return nil }
        let invoice = Invoice(order: order)
        invoices[order.orderID] = invoice
        return invoice
    }

    func invoice(for orderID: String) -> Invoice? {
        invoices[orderID]
    }

    func processedOrder(_ orderID: String) -> Order? {
        invoices[orderID]?.order
    }
}
