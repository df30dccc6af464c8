import GRDB
import MessageBus

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An `IdempotencyStore` in an SQLite database, so duplicates are caught across restarts.
///
/// Keys live in the table `processed_messages`, with their expiry as seconds since 1970 (wall
/// clock time, which survives a restart). Expired keys are deleted as new ones arrive. The
/// database can be a file of its own or one the application already uses: the store only
/// creates its table if it is missing.
public final class SQLiteIdempotencyStore: IdempotencyStore {
    private let database: any DatabaseWriter
    private let now: @Sendable () -> Date

    /// Opens (creating if needed) the SQLite database at `path`.
    ///
    /// - Parameters:
    ///   - path: The database file.
    ///   - now: The current time; tests pass their own. Default: the system clock.
    /// - Throws: `MessageBusError` with code `invalidConfiguration` when the file cannot be
    ///   opened, naming the path and SQLite's reason, or when the store's table cannot be created,
    ///   with SQLite's reason.
    public convenience init(path: String, now: @escaping @Sendable () -> Date = Date.init) throws {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path)
        } catch {
            throw MessageBusError(
                .invalidConfiguration,
                "Cannot open the idempotency database at '\(path)': \(error)",
                underlying: error
            )
        }
        try self.init(database: queue, now: now)
    }

    /// Uses an open GRDB database, creating the store's table if it is missing.
    public init(database: any DatabaseWriter, now: @escaping @Sendable () -> Date = Date.init) throws {
        self.database = database
        self.now = now
        do {
            try database.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS processed_messages (
                            key TEXT PRIMARY KEY NOT NULL,
                            expires_at DOUBLE NOT NULL
                        );
                        CREATE INDEX IF NOT EXISTS processed_messages_expiry ON processed_messages(expires_at);
                        """
                )
            }
        } catch {
            throw MessageBusError(
                .invalidConfiguration,
                "Cannot create the idempotency table: \(error)",
                underlying: error
            )
        }
    }

    /// Whether `key` is stored and unexpired.
    public func contains(_ key: String) async throws -> Bool {
        let now = now().timeIntervalSince1970
        return try await database.read { db in
            try Bool.fetchOne(
                db,
                sql: "SELECT EXISTS(SELECT 1 FROM processed_messages WHERE key = ? AND expires_at > ?)",
                arguments: [key, now]
            ) ?? false
        }
    }

    /// Stores `key` until `retention` from now, and deletes expired keys.
    public func insert(_ key: String, retention: Duration) async throws {
        let now = now().timeIntervalSince1970
        try await database.write { db in
            try Self.insert(key, retention: retention, now: now, in: db)
        }
    }

    /// Runs `updates` in one write transaction of the store's database, and records in the same
    /// transaction the key of the message `context` handles, so the handler's changes and the
    /// record that the message was processed are committed together or not at all.
    ///
    /// Use it in a handler behind an `IdempotentReceiver` on this store, for the handler's own
    /// changes to the store's database:
    ///
    /// ```swift
    /// let store = try SQLiteIdempotencyStore(database: database)
    /// let bus = Bus(transport: transport, middleware: [IdempotentReceiver(store: store)])
    /// try bus.handle(from: "orders", group: "billing") { (message: Message, context) in
    ///     try await store.write(recordingFor: context) { db in
    ///         try db.execute(sql: "INSERT INTO invoices (order_id) VALUES (?)", arguments: [message.id])
    ///     }
    /// }
    /// ```
    ///
    /// The receiver then records nothing after the handling: the key is already in the table.
    /// The record no longer waits for the handler's outgoing messages and its success actions,
    /// so a message whose transaction committed is not handled again even if publishing its
    /// output fails afterwards. Without a receiver on this store waiting to record a key, the
    /// transaction holds `updates` alone.
    ///
    /// - Throws: The error `updates` throws, or GRDB's `DatabaseError`; then nothing of the
    ///   transaction is kept, and the receiver still records the key if the handling succeeds.
    nonisolated(nonsending) public func write<Result: Sendable>(
        recordingFor context: HandlerContext,
        _ updates: @Sendable (Database) throws -> Result
    ) async throws -> Result {
        try await context.recordingIdempotencyKey(in: self) { record in
            let now = now().timeIntervalSince1970
            return try await database.write { db in
                let result = try updates(db)
                if let record {
                    try Self.insert(record.key.value, retention: record.retention, now: now, in: db)
                }
                return result
            }
        }
    }

    /// Stores `key` until `retention` after `now`, and deletes the keys expired at `now`.
    private static func insert(_ key: String, retention: Duration, now: TimeInterval, in db: Database) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO processed_messages (key, expires_at) VALUES (?, ?)",
            arguments: [key, now + retention / .seconds(1)]
        )
        try db.execute(sql: "DELETE FROM processed_messages WHERE expires_at <= ?", arguments: [now])
    }
}
