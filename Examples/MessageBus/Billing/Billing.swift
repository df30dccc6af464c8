import ExampleSupport
import GRDB
import MessageBus
import MessageBusSQLite

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
    /// The billing bus's record of the messages it processed, in the same database.
    private let processed: SQLiteIdempotencyStore

    /// Uses `database`, migrated with ``migrator``, and `processed`, the idempotency store the
    /// billing bus keeps in it.
    init(database: any DatabaseWriter, processed: SQLiteIdempotencyStore) {
        self.database = database
        self.processed = processed
    }

    /// Writes the order's invoice, once per order id; `nil` when it was already invoiced.
    ///
    /// The record that `context`'s message was processed is written in the same transaction, so
    /// a process killed at any moment either invoiced the order and remembers it, or did
    /// neither and invoices it when the order is delivered again.
    func invoice(_ order: Order, handling context: HandlerContext) async throws -> Invoice? {
        try await processed.write(recordingFor: context) { db in
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
