import ExampleSupport
import GRDB
import MessageBus
import MessageBusSQLite

/// The inventory application's data, in its own database: stock per product and the orders it
/// has processed.
struct Inventory: ProcessedOrders {
    /// One product's stock.
    struct Item: Equatable, Sendable {
        var inStock: Int
        var sold = 0
        /// Units ordered beyond the stock, to be supplied later.
        var backordered = 0
    }

    /// The stock the inventory starts with, written when its database is created.
    static let initialStock: [String: Int] = ["Laptop": 10, "Monitor": 15, "Keyboard": 25, "Mouse": 50]

    /// The inventory's tables: `stock`, one row per product, and `processed_orders`.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("stock and processed orders") { db in
            try db.create(table: "stock") { table in
                table.primaryKey("product", .text)
                table.column("in_stock", .integer).notNull()
                table.column("sold", .integer).notNull().defaults(to: 0)
                table.column("backordered", .integer).notNull().defaults(to: 0)
            }
            for (product, inStock) in initialStock {
                try db.execute(
                    sql: "INSERT INTO stock (product, in_stock) VALUES (?, ?)",
                    arguments: [product, inStock]
                )
            }
            try Order.createTable("processed_orders", in: db)
        }
        return migrator
    }

    let applicationName = "inventory"
    private let database: any DatabaseWriter
    /// The inventory bus's record of the messages it processed, in the same database.
    private let processed: SQLiteIdempotencyStore

    /// Uses `database`, migrated with ``migrator``, and `processed`, the idempotency store the
    /// inventory bus keeps in it.
    init(database: any DatabaseWriter, processed: SQLiteIdempotencyStore) {
        self.database = database
        self.processed = processed
    }

    /// Takes the order's quantity from stock and records the order, once per order id; returns
    /// the product's stock before and after, or `nil` when the order was already processed.
    ///
    /// One transaction holds the stock, the order and the record that `context`'s message was
    /// processed, so a process killed at any moment did all of it or none.
    func take(_ order: Order, handling context: HandlerContext) async throws -> (before: Item, after: Item)? {
        try await processed.write(recordingFor: context) { db in
            guard try Order.fetch(order.orderID, from: "processed_orders", in: db) == nil else { return nil }
            let before = try Self.item(order.product, in: db) ?? Item(inStock: 0)
            var after = before
            let taken = min(after.inStock, order.quantity)
            after.inStock -= taken
            after.backordered += order.quantity - taken
            after.sold += order.quantity
            try db.execute(
                sql: """
                    INSERT INTO stock (product, in_stock, sold, backordered) VALUES (?, ?, ?, ?)
                    ON CONFLICT(product) DO UPDATE SET
                        in_stock = excluded.in_stock, sold = excluded.sold, backordered = excluded.backordered
                    """,
                arguments: [order.product, after.inStock, after.sold, after.backordered]
            )
            try order.insert(into: "processed_orders", in: db)
            return (before, after)
        }
    }

    func processedOrder(_ orderID: String) async throws -> Order? {
        try await database.read { db in try Order.fetch(orderID, from: "processed_orders", in: db) }
    }

    /// The stock of every product.
    func items() async throws -> [String: Item] {
        try await database.read { db in
            var items: [String: Item] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT product, in_stock, sold, backordered FROM stock") {
                items[row["product"]] = Item(
                    inStock: row["in_stock"],
                    sold: row["sold"],
                    backordered: row["backordered"]
                )
            }
            return items
        }
    }

    /// The stock as JSON: one object per product, in alphabetical order.
    func json() async throws -> JSONValue {
        .object(
            try await items().sorted { $0.key < $1.key }.map { product, item in
                (
                    product,
                    .object([
                        ("backordered", .integer(item.backordered)),
                        ("in_stock", .integer(item.inStock)),
                        ("sold", .integer(item.sold)),
                    ])
                )
            }
        )
    }

    private static func item(_ product: String, in db: Database) throws -> Item? {
        try Row.fetchOne(
            db,
            sql: "SELECT in_stock, sold, backordered FROM stock WHERE product = ?",
            arguments: [product]
        )
        .map { Item(inStock: $0["in_stock"], sold: $0["sold"], backordered: $0["backordered"]) }
    }
}

/// An application that keeps the orders it has processed.
protocol ProcessedOrders: Sendable {
    /// The application's name, as errors name it.
    var applicationName: String { get }
    /// The order with this id, once the application has processed it.
    func processedOrder(_ orderID: String) async throws -> Order?
}
