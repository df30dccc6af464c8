import ChannelAdapter
import GRDB

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A `SubscriptionStore` in an SQLite database, so webhook subscriptions — and the reason one
/// was disabled — survive a restart, and instances sharing the database file see the same
/// subscriptions.
///
/// Subscriptions live in the table `channel_adapter_webhook_subscriptions`, one row per
/// subscription, its event types as a JSON array. The database can be a file of its own or one
/// the application already uses: the store only creates its table if it is missing.
///
/// The secret is stored as given, in clear: protect the database file as you would any other
/// secret.
public final class SQLiteSubscriptionStore: SubscriptionStore {
    private let database: any DatabaseWriter

    /// Opens (creating if needed) the SQLite database at `path`.
    ///
    /// - Parameters:
    ///   - path: The database file.
    ///   - busyTimeout: How long to wait for another connection's write. Default: 5 s.
    /// - Throws: `ChannelAdapterError` with code `invalidConfiguration` when the file cannot be
    ///   opened or the table cannot be created, naming the path and SQLite's reason.
    public convenience init(path: String, busyTimeout: Duration = .seconds(5)) throws {
        try self.init(database: try openDatabase(at: path, busyTimeout: busyTimeout, for: "webhook subscription"))
    }

    /// Uses an open GRDB database, creating the store's table if it is missing.
    ///
    /// - Throws: `ChannelAdapterError` with code `invalidConfiguration` when the table cannot
    ///   be created, with SQLite's reason.
    public init(database: any DatabaseWriter) throws {
        self.database = database
        do {
            try database.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS channel_adapter_webhook_subscriptions (
                            id TEXT PRIMARY KEY NOT NULL,
                            url TEXT NOT NULL,
                            event_types TEXT NOT NULL,
                            secret TEXT NOT NULL,
                            created_at DOUBLE NOT NULL,
                            disabled_reason TEXT,
                            disabled_at DOUBLE
                        )
                        """
                )
            }
        } catch {
            throw ChannelAdapterError(
                .invalidConfiguration,
                "Cannot create the webhook subscription table: \(error)",
                underlying: error
            )
        }
    }

    /// Stores a new subscription.
    public func register(_ subscription: WebhookSubscription) async throws {
        try subscription.validate()
        let types = try Self.encode(subscription.eventTypes)
        let inserted = try await write("register subscription '\(subscription.id)'") { db in
            try db.execute(
                sql: """
                    INSERT INTO channel_adapter_webhook_subscriptions
                        (id, url, event_types, secret, created_at, disabled_reason, disabled_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO NOTHING
                    """,
                arguments: [
                    subscription.id, subscription.url, types, subscription.secret,
                    subscription.createdAt.timeIntervalSince1970, subscription.disabledReason,
                    subscription.disabledAt?.timeIntervalSince1970,
                ]
            )
            return db.changesCount == 1
        }
        guard inserted else {
            throw ChannelAdapterError.duplicateSubscription(subscription.id)
        }
    }

    /// The subscription `id`, or `nil`.
    public func subscription(_ id: String) async throws -> WebhookSubscription? {
        try await fetch("read subscription '\(id)'", where: "WHERE id = ?", [id]).first
    }

    /// Every subscription, oldest first.
    public func list() async throws -> [WebhookSubscription] {
        try await fetch("list subscriptions", where: "", [])
    }

    /// The enabled subscriptions matching `eventType`, oldest first.
    public func subscriptions(for eventType: String) async throws -> [WebhookSubscription] {
        try await fetch("list subscriptions", where: "WHERE disabled_reason IS NULL", [])
            .filter { $0.matches(eventType) }
    }

    /// Stops deliveries to subscription `id`.
    public func disable(_ id: String, reason: String, at time: Date) async throws {
        let changed = try await write("disable subscription '\(id)'") { db in
            try db.execute(
                sql: """
                    UPDATE channel_adapter_webhook_subscriptions SET disabled_reason = ?, disabled_at = ?
                    WHERE id = ?
                    """,
                arguments: [reason, time.timeIntervalSince1970, id]
            )
            return db.changesCount == 1
        }
        guard changed else { throw ChannelAdapterError.subscriptionNotFound(id) }
    }

    /// Removes subscription `id`.
    public func delete(_ id: String) async throws {
        let changed = try await write("delete subscription '\(id)'") { db in
            try db.execute(sql: "DELETE FROM channel_adapter_webhook_subscriptions WHERE id = ?", arguments: [id])
            return db.changesCount == 1
        }
        guard changed else { throw ChannelAdapterError.subscriptionNotFound(id) }
    }

    // MARK: - Rows

    /// A row's columns, read inside the transaction.
    private typealias Columns = (
        id: String, url: String, eventTypes: String, secret: String, createdAt: Double, disabledReason: String?,
        disabledAt: Double?
    )

    private func fetch(_ operation: String, where clause: String, _ arguments: [String]) async throws
        -> [WebhookSubscription]
    {
        let rows: [Columns]
        do {
            rows = try await database.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT id, url, event_types, secret, created_at, disabled_reason, disabled_at
                        FROM channel_adapter_webhook_subscriptions \(clause)
                        ORDER BY created_at, rowid
                        """,
                    arguments: StatementArguments(arguments)
                ).map { row -> Columns in
                    (
                        row["id"], row["url"], row["event_types"], row["secret"], row["created_at"],
                        row["disabled_reason"], row["disabled_at"]
                    )
                }
            }
        } catch {
            throw Self.failure(operation, error)
        }
        return try rows.map { columns in
            guard let types = try? JSONDecoder().decode([String].self, from: Data(columns.eventTypes.utf8)) else {
                throw ChannelAdapterError(
                    .storeFailed,
                    "The event types of webhook subscription '\(columns.id)' are not a JSON array of strings: "
                        + columns.eventTypes,
                    isRetriable: false,
                    item: columns.id
                )
            }
            return WebhookSubscription(
                id: columns.id,
                url: columns.url,
                eventTypes: Set(types),
                secret: columns.secret,
                createdAt: Date(timeIntervalSince1970: columns.createdAt),
                disabledReason: columns.disabledReason,
                disabledAt: columns.disabledAt.map(Date.init(timeIntervalSince1970:))
            )
        }
    }

    private func write(_ operation: String, _ body: @escaping @Sendable (Database) throws -> Bool) async throws
        -> Bool
    {
        do {
            return try await database.write(body)
        } catch {
            throw Self.failure(operation, error)
        }
    }

    private static func encode(_ types: Set<String>) throws -> String {
        do {
            return String(decoding: try JSONEncoder().encode(types.sorted()), as: UTF8.self)
        } catch {
            throw ChannelAdapterError(.invalidConfiguration, "Cannot encode event types \(types): \(error)")
        }
    }

    private static func failure(_ operation: String, _ error: any Error) -> ChannelAdapterError {
        ChannelAdapterError(
            .storeFailed,
            "Cannot \(operation) in SQLite: \(error)",
            isRetriable: true,
            underlying: error
        )
    }
}
