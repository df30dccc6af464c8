import GRDB

/// Orders in an application's database: one row per order, keyed by its id, in a table of the
/// application's (`processed_orders`, `invoices`, `sent_orders`).
extension Order {
    /// Creates the table `name` with a column per field of an order.
    static func createTable(_ name: String, in db: Database) throws {
        try db.create(table: name) { table in
            table.primaryKey("order_id", .text)
            table.column("product", .text).notNull()
            table.column("quantity", .integer).notNull()
            table.column("price", .double).notNull()
            table.column("timestamp", .double)
        }
    }

    /// The order with id `orderID` in the table `table`, if there is one.
    static func fetch(_ orderID: String, from table: String, in db: Database) throws -> Order? {
        try Row.fetchOne(
            db,
            sql: "SELECT order_id, product, quantity, price, timestamp FROM \(table) WHERE order_id = ?",
            arguments: [orderID]
        ).map { row in
            Order(
                orderID: row["order_id"],
                product: row["product"],
                quantity: row["quantity"],
                price: row["price"],
                timestamp: row["timestamp"]
            )
        }
    }

    /// Adds the order to the table `table`.
    func insert(into table: String, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO \(table) (order_id, product, quantity, price, timestamp) VALUES (?, ?, ?, ?, ?)",
            arguments: [orderID, product, quantity, price, timestamp]
        )
    }
}
