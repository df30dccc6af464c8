import CQRS
import GRDB
import MessageBus
import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An `OutboxStore` in the application's SQLite database, whose records commit in the same
/// transaction as a command handler's own changes.
///
/// Answers live in the table `cqrs_command_answers` (one row per command id) and events in
/// `cqrs_outbox`, numbered in commit order; the relay sets `published_at` on the events it
/// published. The store only creates its tables if they are missing, so it can share the
/// database the handler writes its state to — which is the point:
///
/// ```swift
/// let outbox = try SQLiteOutboxStore(database: database)
/// try commands.register(CreateRule.self) { command, context in
///     try await outbox.write(context) { db in
///         try db.execute(sql: "INSERT INTO rules (name) VALUES (?)", arguments: [command.name])
///         let id = Int(db.lastInsertedRowID)
///         try context.record(RuleCreated(id: id, name: command.name), to: "rules.events")
///         return id
///     }
/// }
/// ```
public final class SQLiteOutboxStore: OutboxStore {
    private let database: any DatabaseWriter
    private let now: @Sendable () -> Date

    /// Uses an open GRDB database, creating the store's tables if they are missing.
    ///
    /// - Parameters:
    ///   - database: The database, usually the one the handlers write their state to.
    ///   - now: The current time, recorded with answers and publications. Default: the system clock.
    /// - Throws: `CQRSError.Code.storeFailed` when the tables cannot be created, with
    ///   SQLite's reason.
    public init(database: any DatabaseWriter, now: @escaping @Sendable () -> Date = Date.init) throws(CQRSError) {
        self.database = database
        self.now = now
        do {
            try database.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS cqrs_command_answers (
                            command_id TEXT PRIMARY KEY NOT NULL,
                            command_type TEXT NOT NULL,
                            answer BLOB NOT NULL,
                            is_failure INTEGER NOT NULL,
                            answered_at DOUBLE NOT NULL
                        );
                        CREATE TABLE IF NOT EXISTS cqrs_outbox (
                            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                            topic TEXT NOT NULL,
                            message BLOB NOT NULL,
                            published_at DOUBLE
                        );
                        CREATE INDEX IF NOT EXISTS cqrs_outbox_pending ON cqrs_outbox(sequence)
                            WHERE published_at IS NULL;
                        """
                )
            }
        } catch {
            throw CQRSError(.storeFailed, "Cannot create the outbox tables: \(error)")
        }
    }

    /// The stored answer to `commandID`.
    public func answer(toCommand commandID: String) async throws -> CommandRecord.Answer? {
        try await database.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT answer, is_failure FROM cqrs_command_answers WHERE command_id = ?",
                arguments: [commandID]
            ).map { row in
                CommandRecord.Answer(payload: Array(row["answer"] as Data), isFailure: row["is_failure"])
            }
        }
    }

    /// Stores the answer and the events in one transaction.
    public func commit(_ record: CommandRecord) async throws -> Bool {
        let now = now().timeIntervalSince1970
        return try await database.write { db in
            try Self.insert(record, now: now, in: db)
        }
    }

    /// The oldest `limit` events whose `published_at` is not set.
    public func pending(limit: Int) async throws -> [OutboxEntry] {
        let rows = try await database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT sequence, topic, message FROM cqrs_outbox
                    WHERE published_at IS NULL ORDER BY sequence LIMIT ?
                    """,
                arguments: [limit]
            )
        }
        return try rows.map { row in
            OutboxEntry(
                sequence: row["sequence"],
                topic: row["topic"],
                message: try StoredMessage.decode(row["message"])
            )
        }
    }

    /// Sets `published_at` on the events up to `sequence`.
    public func markPublished(through sequence: Int64) async throws {
        let now = now().timeIntervalSince1970
        try await database.write { db in
            try db.execute(
                sql: "UPDATE cqrs_outbox SET published_at = ? WHERE sequence <= ? AND published_at IS NULL",
                arguments: [now, sequence]
            )
        }
    }

    /// Deletes the events published, and the answers given, more than `age` ago, and returns
    /// how many rows it deleted.
    ///
    /// Without it both tables only grow. A command sent again with the id of a deleted answer is
    /// handled again, so keep answers longer than any client retries: days, not minutes.
    @discardableResult
    public func prune(olderThan age: Duration) async throws -> Int {
        let cutoff = now().timeIntervalSince1970 - age / .seconds(1)
        return try await database.write { db in
            try db.execute(sql: "DELETE FROM cqrs_outbox WHERE published_at < ?", arguments: [cutoff])
            let events = db.changesCount
            try db.execute(sql: "DELETE FROM cqrs_command_answers WHERE answered_at < ?", arguments: [cutoff])
            return events + db.changesCount
        }
    }

    /// Runs a command handler's `updates` in one write transaction, and commits in the same
    /// transaction the command's answer — the result `updates` returns — and the events recorded
    /// on `context`, so the handler's changes, its answer and its events are all kept or none is.
    ///
    /// Record events on `context` before or inside `updates`. The command bus commits nothing
    /// more when the handler returns.
    ///
    /// - Throws: The error `updates` throws, or GRDB's `DatabaseError`, after which nothing of
    ///   the transaction is kept; `CQRSError.Code.codingFailed` when the result does not
    ///   encode.
    public func write<C: Command>(
        _ context: CommandContext<C>,
        _ updates: @Sendable (Database) throws -> C.Result
    ) async throws -> C.Result {
        let now = now().timeIntervalSince1970
        let (result, record) = try await database.write { db in
            let result = try updates(db)
            let record = try context.record(answering: result)
            guard try Self.insert(record, now: now, in: db) else {
                throw CQRSError(
                    .storeFailed,
                    "Command '\(record.commandID)' was answered meanwhile; it is handled again.",
                    isRetriable: true,
                    messageType: C.messageType
                )
            }
            return (result, record)
        }
        context.committed(record)
        return result
    }

    /// Inserts the answer and the events, unless the command has an answer.
    private static func insert(_ record: CommandRecord, now: TimeInterval, in db: Database) throws -> Bool {
        try db.execute(
            sql: """
                INSERT INTO cqrs_command_answers (command_id, command_type, answer, is_failure, answered_at)
                VALUES (?, ?, ?, ?, ?) ON CONFLICT (command_id) DO NOTHING
                """,
            arguments: [
                record.commandID, record.commandType, Data(record.answer.payload), record.answer.isFailure, now,
            ]
        )
        guard db.changesCount == 1 else {
            return false
        }
        for event in record.events {
            try db.execute(
                sql: "INSERT INTO cqrs_outbox (topic, message) VALUES (?, ?)",
                arguments: [event.topic, try StoredMessage.encode(event.message)]
            )
        }
        return true
    }
}
