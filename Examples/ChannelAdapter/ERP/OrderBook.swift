import ExampleSupport
import Foundation
import GRDB

/// The ERP's purchase orders, in its own database: the orders, what the inventory and the
/// suppliers answered to each, the `Idempotency-Key`s of the status updates it applied, and
/// every status update it was sent.
struct OrderBook: Sendable {
    /// An order with the answers recorded for it.
    struct Entry: Sendable, Equatable {
        var order: PurchaseOrder
        /// Each system's answer, by system: its status and detail.
        var confirmations: [String: (status: String, detail: String)]

        static func == (lhs: Entry, rhs: Entry) -> Bool {
            lhs.json == rhs.json
        }

        /// The order as the ERP answers it.
        var json: JSONValue {
            .object([
                ("id", .integer(order.id)),
                ("product", .string(order.product)),
                ("quantity", .integer(order.quantity)),
                ("supplier", .string(order.supplier)),
                ("status", .string(order.status)),
                (
                    "confirmations",
                    .object(
                        confirmations.sorted { $0.key < $1.key }.map { system, answer in
                            (system, .object([("status", .string(answer.status)), ("detail", .string(answer.detail))]))
                        }
                    )
                ),
            ])
        }
    }

    /// What a status update did.
    enum UpdateOutcome: Sendable {
        /// The update was recorded; the order as it is now.
        case applied(Entry)
        /// The key was used before for the same update: the text of its first answer, unchanged.
        case replayed(String)
        /// The key was used before for a different update.
        case keyReused
        /// There is no such order.
        case unknownOrder
    }

    /// The systems whose confirmations make an order `confirmed`.
    static let confirmingSystems = ["inventory", "supplier"]

    /// The ERP's tables.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("orders") { db in
            try db.execute(
                sql: """
                    CREATE TABLE purchase_order (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, product TEXT NOT NULL, quantity INTEGER NOT NULL,
                        supplier TEXT NOT NULL, status TEXT NOT NULL);
                    CREATE TABLE confirmation (
                        order_id INTEGER NOT NULL REFERENCES purchase_order(id), system TEXT NOT NULL,
                        status TEXT NOT NULL, detail TEXT NOT NULL, PRIMARY KEY (order_id, system));
                    CREATE TABLE idempotency_key (
                        key TEXT PRIMARY KEY NOT NULL, request TEXT NOT NULL, answer TEXT NOT NULL);
                    CREATE TABLE status_request (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT, order_id INTEGER NOT NULL,
                        idempotency_key TEXT, answer INTEGER NOT NULL);
                    """
            )
        }
        return migrator
    }

    let database: any DatabaseWriter

    /// Creates a pending order.
    func create(product: String, quantity: Int, supplier: String) async throws -> Entry {
        try await database.write { db in
            try db.execute(
                sql: "INSERT INTO purchase_order (product, quantity, supplier, status) VALUES (?, ?, ?, 'pending')",
                arguments: [product, quantity, supplier]
            )
            let order = PurchaseOrder(
                id: Int(db.lastInsertedRowID),
                product: product,
                quantity: quantity,
                supplier: supplier,
                status: "pending"
            )
            return Entry(order: order, confirmations: [:])
        }
    }

    /// The orders after order `after`, oldest first, at most `limit`.
    func page(after: Int, limit: Int) async throws -> [Entry] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM purchase_order WHERE id > ? ORDER BY id LIMIT ?",
                arguments: [after, limit]
            )
            .map { try Self.entry($0, in: db) }
        }
    }

    /// The order `id`, if there is one.
    func entry(_ id: Int) async throws -> Entry? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM purchase_order WHERE id = ?", arguments: [id])
                .map { try Self.entry($0, in: db) }
        }
    }

    /// Records `system`'s answer to order `id`, and the order's status that follows: `rejected`
    /// once a system rejected it, `confirmed` once every system of ``confirmingSystems``
    /// confirmed it, `pending` until then.
    ///
    /// With a `key`, the update is applied once: sent again with the same key and the same
    /// `request`, it answers as the first time and changes nothing.
    func update(
        _ id: Int,
        system: String,
        status: String,
        detail: String,
        key: String?,
        request: String
    ) async throws -> UpdateOutcome {
        try await database.write { db -> UpdateOutcome in
            if let key,
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT request, answer FROM idempotency_key WHERE key = ?",
                    arguments: [key]
                )
            {
                guard row["request"] as String == request else { return .keyReused }
                return .replayed(row["answer"])
            }
            guard try Row.fetchOne(db, sql: "SELECT id FROM purchase_order WHERE id = ?", arguments: [id]) != nil
            else { return .unknownOrder }
            try db.execute(
                sql: """
                    INSERT INTO confirmation (order_id, system, status, detail) VALUES (?, ?, ?, ?)
                    ON CONFLICT(order_id, system) DO UPDATE SET status = excluded.status, detail = excluded.detail
                    """,
                arguments: [id, system, status, detail]
            )
            let answers = try Row.fetchAll(
                db,
                sql: "SELECT system, status FROM confirmation WHERE order_id = ?",
                arguments: [id]
            )
            let statuses = Dictionary(answers.map { ($0["system"] as String, $0["status"] as String) }) { a, _ in a }
            let orderStatus =
                if statuses.values.contains("rejected") {
                    "rejected"
                } else if Self.confirmingSystems.allSatisfy({ statuses[$0] == "confirmed" }) {
                    "confirmed"
                } else {
                    "pending"
                }
            try db.execute(sql: "UPDATE purchase_order SET status = ? WHERE id = ?", arguments: [orderStatus, id])
            let entry = try Self.entry(
                Row.fetchOne(db, sql: "SELECT * FROM purchase_order WHERE id = ?", arguments: [id])!,
                in: db
            )
            if let key {
                try db.execute(
                    sql: "INSERT INTO idempotency_key (key, request, answer) VALUES (?, ?, ?)",
                    arguments: [key, request, entry.json.text]
                )
            }
            return .applied(entry)
        }
    }

    /// Records that a status update of order `id` was answered `answer`.
    func recordRequest(_ id: Int, key: String?, answer: Int) async throws {
        try await database.write { db in
            try db.execute(
                sql: "INSERT INTO status_request (order_id, idempotency_key, answer) VALUES (?, ?, ?)",
                arguments: [id, key, answer]
            )
        }
    }

    /// Every status update order `id` was sent, in order: its key and the status answered.
    func requests(_ id: Int) async throws -> [(key: String?, answer: Int)] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT idempotency_key, answer FROM status_request WHERE order_id = ? ORDER BY seq",
                arguments: [id]
            )
            .map { row -> (key: String?, answer: Int) in (row["idempotency_key"], row["answer"]) }
        }
    }

    private static func entry(_ row: Row, in db: Database) throws -> Entry {
        let id: Int = row["id"]
        var confirmations: [String: (status: String, detail: String)] = [:]
        for answer in try Row.fetchAll(
            db,
            sql: "SELECT system, status, detail FROM confirmation WHERE order_id = ?",
            arguments: [id]
        ) {
            confirmations[answer["system"]] = (answer["status"], answer["detail"])
        }
        return Entry(
            order: PurchaseOrder(
                id: id,
                product: row["product"],
                quantity: row["quantity"],
                supplier: row["supplier"],
                status: row["status"]
            ),
            confirmations: confirmations
        )
    }
}
