import ExampleSupport
import GRDB

/// The billing application's data, in its own database: one invoice per processed order.
struct Billing: ProcessedOrders {
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

    /// The billing's table: `invoices`, one row per invoiced order.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("invoices") { db in
            try Order.createTable("invoices", in: db)
        }
        return migrator
    }

    let applicationName = "billing"
    private let database: any DatabaseWriter

    /// Uses `database`, migrated with ``migrator``.
    init(database: any DatabaseWriter) {
        self.database = database
    }

    /// Writes the order's invoice, once per order id; `nil` when it was already invoiced.
    func invoice(_ order: Order) async throws -> Invoice? {
        try await database.write { db in
            guard try Order.fetch(order.orderID, from: "invoices", in: db) == nil else { return nil }
            try order.insert(into: "invoices", in: db)
            return Invoice(order: order)
        }
    }

    /// The invoice of the order `orderID`, once it is written.
    func invoice(for orderID: String) async throws -> Invoice? {
        try await processedOrder(orderID).map(Invoice.init)
    }

    func processedOrder(_ orderID: String) async throws -> Order? {
        try await database.read { db in try Order.fetch(orderID, from: "invoices", in: db) }
    }
}
