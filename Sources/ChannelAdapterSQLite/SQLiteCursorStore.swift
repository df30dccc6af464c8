import ChannelAdapter
import GRDB

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A `CursorStore` in an SQLite database, so an adapter continues where it stopped after a
/// restart, and instances sharing the database file share their cursors safely.
///
/// Cursors live in the table `channel_adapter_cursors`, one row per name with the time of its
/// last commit. The compare-and-set is one statement: an `UPDATE … WHERE name = ? AND value = ?`
/// that must change one row, or, for the first commit of a name, an `INSERT` that must not find
/// the name taken. SQLite serialises writers, so of two instances committing from the same
/// cursor — through one connection or several, in one process or several — one changes the row
/// and the other throws `ChannelAdapterError` `cursorConflict` naming the cursor it found.
///
/// The database can be a file of its own or one the application already uses: the store only
/// creates its table if it is missing.
public final class SQLiteCursorStore: CursorStore {
    private let database: any DatabaseWriter
    private let now: @Sendable () -> Date

    /// Opens (creating if needed) the SQLite database at `path`.
    ///
    /// The connection waits up to `busyTimeout` for another connection's write to finish,
    /// so instances sharing the file take turns instead of failing.
    ///
    /// - Parameters:
    ///   - path: The database file.
    ///   - busyTimeout: How long to wait for another connection's write. Default: 5 s.
    ///   - now: The current time, recorded with each commit. Default: the system clock.
    /// - Throws: `ChannelAdapterError` with code `invalidConfiguration` when the file cannot be
    ///   opened or the table cannot be created, naming the path and SQLite's reason.
    public convenience init(
        path: String,
        busyTimeout: Duration = .seconds(5),
        now: @escaping @Sendable () -> Date = Date.init
    ) throws {
        try self.init(database: try openDatabase(at: path, busyTimeout: busyTimeout, for: "cursor"), now: now)
    }

    /// Uses an open GRDB database, creating the store's table if it is missing.
    ///
    /// - Throws: `ChannelAdapterError` with code `invalidConfiguration` when the table cannot
    ///   be created, with SQLite's reason.
    public init(database: any DatabaseWriter, now: @escaping @Sendable () -> Date = Date.init) throws {
        self.database = database
        self.now = now
        do {
            try database.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS channel_adapter_cursors (
                            name TEXT PRIMARY KEY NOT NULL,
                            value TEXT NOT NULL,
                            committed_at DOUBLE NOT NULL
                        )
                        """
                )
            }
        } catch {
            throw ChannelAdapterError(
                .invalidConfiguration,
                "Cannot create the cursor table: \(error)",
                underlying: error
            )
        }
    }

    /// The value last committed under `name`, or `nil`.
    public func load(_ name: String) async throws -> String? {
        do {
            return try await database.read { db in
                try String.fetchOne(
                    db,
                    sql: "SELECT value FROM channel_adapter_cursors WHERE name = ?",
                    arguments: [name]
                )
            }
        } catch {
            throw Self.failure("load", name, error)
        }
    }

    /// Stores `new` under `name` if the stored value is `expected`, in one statement.
    public func commit(_ name: String, expected: String?, new: String) async throws {
        let time = now().timeIntervalSince1970
        let actual: String??
        do {
            actual = try await database.write { db -> String?? in
                if let expected {
                    try db.execute(
                        sql: """
                            UPDATE channel_adapter_cursors SET value = ?, committed_at = ?
                            WHERE name = ? AND value = ?
                            """,
                        arguments: [new, time, name, expected]
                    )
                } else {
                    try db.execute(
                        sql: """
                            INSERT INTO channel_adapter_cursors (name, value, committed_at) VALUES (?, ?, ?)
                            ON CONFLICT(name) DO NOTHING
                            """,
                        arguments: [name, new, time]
                    )
                }
                guard db.changesCount == 0 else { return .none }
                return .some(
                    try String.fetchOne(
                        db,
                        sql: "SELECT value FROM channel_adapter_cursors WHERE name = ?",
                        arguments: [name]
                    )
                )
            }
        } catch {
            throw Self.failure("commit", name, error)
        }
        if case .some(let actual) = actual {
            throw ChannelAdapterError.cursorConflict(name, expected: expected, actual: actual)
        }
    }

    private static func failure(_ operation: String, _ name: String, _ error: any Error) -> ChannelAdapterError {
        ChannelAdapterError(
            .storeFailed,
            "Cannot \(operation) cursor '\(name)' in SQLite: \(error)",
            isRetriable: true,
            adapter: name,
            underlying: error
        )
    }
}
