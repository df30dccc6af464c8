import ExampleSupport
import GRDB
import Hummingbird
import MessageBus

/// The inventory (*sistema de inventario*): receives every purchase order, as the consumer group
/// `inventory`, reserves its quantity from stock, and confirms it — or rejects it when the stock
/// is short — on ``Topics/confirmations``.
///
/// A reservation is recorded once per order in the inventory's own database, so an order
/// delivered again reserves nothing more and is confirmed as the first time.
/// `GET /stock` answers the stock per product: `available` and `reserved`.
struct InventoryApplication: Sendable {
    /// The stock the inventory starts with, written when its database is created.
    static let initialStock = ["Keyboard": 25, "Laptop": 10, "Monitor": 15, "Mouse": 50]

    /// The inventory's tables: `stock` and `reservation`.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("stock") { db in
            try db.execute(
                sql: """
                    CREATE TABLE stock (product TEXT PRIMARY KEY NOT NULL, available INTEGER NOT NULL,
                        reserved INTEGER NOT NULL DEFAULT 0);
                    CREATE TABLE reservation (order_id INTEGER PRIMARY KEY NOT NULL, status TEXT NOT NULL,
                        detail TEXT NOT NULL);
                    """
            )
            for (product, available) in initialStock {
                try db.execute(
                    sql: "INSERT INTO stock (product, available) VALUES (?, ?)",
                    arguments: [product, available]
                )
            }
        }
        return migrator
    }

    let database: any DatabaseWriter

    /// Registers the inventory's handler on `bus`.
    init(bus: Bus, database: any DatabaseWriter) throws {
        self.database = database
        try bus.handle(PurchaseOrder.self, from: Topics.purchaseOrders, group: "inventory") {
            [database] order, context in
            let confirmation = try await Self.reserve(order, in: database)
            context.logger.info("inventory: order \(order.id) \(confirmation.status): \(confirmation.detail)")
            return [try confirmation.outgoing()]
        }
    }

    /// Reserves the order's quantity, once per order, and returns the answer to it.
    static func reserve(_ order: PurchaseOrder, in database: any DatabaseWriter) async throws -> Confirmation {
        try await database.write { db in
            if let row = try Row.fetchOne(
                db,
                sql: "SELECT status, detail FROM reservation WHERE order_id = ?",
                arguments: [order.id]
            ) {
                return Confirmation(
                    orderID: order.id,
                    system: "inventory",
                    status: row["status"],
                    detail: row["detail"]
                )
            }
            let available =
                try Int.fetchOne(db, sql: "SELECT available FROM stock WHERE product = ?", arguments: [order.product])
                ?? 0
            let status: String
            let detail: String
            if available >= order.quantity {
                try db.execute(
                    sql: "UPDATE stock SET available = available - ?, reserved = reserved + ? WHERE product = ?",
                    arguments: [order.quantity, order.quantity, order.product]
                )
                status = "confirmed"
                detail = "stock reserved: \(order.quantity) × \(order.product), \(available - order.quantity) left"
            } else {
                status = "rejected"
                detail = "stock short: \(order.quantity) × \(order.product) ordered, \(available) available"
            }
            try db.execute(
                sql: "INSERT INTO reservation (order_id, status, detail) VALUES (?, ?, ?)",
                arguments: [order.id, status, detail]
            )
            return Confirmation(orderID: order.id, system: "inventory", status: status, detail: detail)
        }
    }

    /// Adds `GET /stock` to `router`.
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("stock") { [database] _, _ in
            let stock = try await database.read { db in
                try Row.fetchAll(db, sql: "SELECT product, available, reserved FROM stock ORDER BY product").map {
                    row -> (String, JSONValue) in
                    (
                        row["product"],
                        .object([("available", .integer(row["available"])), ("reserved", .integer(row["reserved"]))])
                    )
                }
            }
            return Response.json(.object(stock))
        }
    }
}
