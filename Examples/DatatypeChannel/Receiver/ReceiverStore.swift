import DatatypeChannel
import GRDB
import MessageBus

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The receiver's own database (the seed's Redis): the latest record of each customer, the
/// records in the order they arrived with what has been read, the files received on the other
/// channels, and the invalid-message alerts.
struct ReceiverStore: Sendable {
    /// The store's tables: `customer`, `inbox`, `received_file` and `alert`.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("receiver") { db in
            try db.execute(
                sql: """
                    CREATE TABLE customer (
                        id_cliente TEXT PRIMARY KEY, nombre TEXT NOT NULL, edad INTEGER NOT NULL, promocion TEXT);
                    CREATE TABLE inbox (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT NOT NULL UNIQUE,
                        id_cliente TEXT NOT NULL, nombre TEXT NOT NULL, edad INTEGER NOT NULL, promocion TEXT,
                        read INTEGER NOT NULL DEFAULT 0);
                    CREATE TABLE received_file (
                        message_id TEXT PRIMARY KEY, channel TEXT NOT NULL, content_type TEXT NOT NULL,
                        bytes INTEGER NOT NULL);
                    CREATE TABLE alert (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT, topic TEXT, reason TEXT,
                        summary TEXT NOT NULL, time TEXT NOT NULL);
                    """
            )
        }
        return migrator
    }

    private let database: any DatabaseWriter

    /// Uses `database`, migrated with ``migrator``.
    init(database: any DatabaseWriter) {
        self.database = database
    }

    // MARK: - Customers

    /// Keeps `customer`, received as message `messageID`: it becomes the customer's record, and an
    /// unread entry of the inbox. A message received again changes nothing.
    func receive(_ customer: Customer, messageID: String) async throws {
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO inbox (message_id, id_cliente, nombre, edad, promocion) VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [messageID, customer.id, customer.name, customer.age, customer.promotion]
            )
            guard db.changesCount > 0 else { return }
            try db.execute(
                sql: "INSERT OR REPLACE INTO customer (id_cliente, nombre, edad, promocion) VALUES (?, ?, ?, ?)",
                arguments: [customer.id, customer.name, customer.age, customer.promotion]
            )
        }
    }

    /// The latest record of the customer `id`, if one was received.
    func customer(_ id: String) async throws -> Customer? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM customer WHERE id_cliente = ?", arguments: [id]).map(Self.customer)
        }
    }

    /// The oldest record not read yet, now marked read; `nil` when every record was read.
    func nextUnread() async throws -> Customer? {
        try await database.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM inbox WHERE read = 0 ORDER BY sequence LIMIT 1")
            else { return nil }
            try db.execute(sql: "UPDATE inbox SET read = 1 WHERE sequence = ?", arguments: [row["sequence"] as Int64])
            return Self.customer(row)
        }
    }

    private static func customer(_ row: Row) -> Customer {
        Customer(id: row["id_cliente"], name: row["nombre"], age: row["edad"], promotion: row["promocion"])
    }

    // MARK: - Files

    /// Records that a file of `contentType` and `bytes` bytes arrived on `channel` as message `messageID`.
    func receiveFile(channel: String, contentType: String, bytes: Int, messageID: String) async throws {
        try await database.write { db in
            try db.execute(
                sql:
                    "INSERT OR IGNORE INTO received_file (message_id, channel, content_type, bytes) VALUES (?, ?, ?, ?)",
                arguments: [messageID, channel, contentType, bytes]
            )
        }
    }

    /// How many files arrived on each channel.
    func fileCounts() async throws -> [(channel: String, count: Int)] {
        try await database.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT channel, COUNT(*) AS n FROM received_file GROUP BY channel ORDER BY channel"
            )
            .map { ($0["channel"], $0["n"]) }
        }
    }

    // MARK: - Alerts

    /// Keeps `notification` as an alert.
    func record(_ notification: BusNotification) async throws {
        try await database.write { db in
            try db.execute(
                sql: "INSERT INTO alert (message_id, topic, reason, summary, time) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    notification.messageID, notification.topic, notification.reason, notification.summary,
                    notification.time.formatted(.iso8601),
                ]
            )
        }
    }

    /// Every alert, oldest first.
    func alerts() async throws -> [Alert] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM alert ORDER BY sequence").map { row in
                Alert(
                    messageID: row["message_id"],
                    topic: row["topic"],
                    reason: row["reason"],
                    summary: row["summary"],
                    time: row["time"]
                )
            }
        }
    }

    /// An invalid-message alert as the receiver keeps it.
    struct Alert: Sendable, Equatable {
        var messageID: String?
        var topic: String?
        var reason: String?
        var summary: String
        var time: String
    }
}

/// The receiver's notifier: keeps every notification in the receiver's database, for `GET /alerts`.
struct AlertRecorder: Notifier {
    let store: ReceiverStore

    func notify(_ notification: BusNotification) async throws {
        try await store.record(notification)
    }
}
