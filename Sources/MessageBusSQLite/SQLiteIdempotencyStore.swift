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
            try db.execute(
                sql: "INSERT OR REPLACE INTO processed_messages (key, expires_at) VALUES (?, ?)",
                arguments: [key, now + retention / .seconds(1)]
            )
            try db.execute(sql: "DELETE FROM processed_messages WHERE expires_at <= ?", arguments: [now])
        }
    }
}
