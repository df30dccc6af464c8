import CQRS
import GRDB
import MessageBus
import Messaging
import Metrics
import ServiceLifecycle
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A read model in SQLite, built by applying a topic's events, each in the same transaction as
/// the projection's checkpoint.
///
/// Each version of a projection has its own table, `<name>_v<version>`, which the projection
/// creates with the `createTable` closure it is given; queries read the view `<name>`, which
/// points at the table of the version that is complete.
///
/// For each event the projection runs, in one write transaction: the record of its message id,
/// the handler registered for its type (with ``on(_:_:)``), and the advance of its checkpoint
/// (table `cqrs_checkpoints`). A crash in the middle rolls all of it back and the transport
/// delivers the event again; an event delivered again after its transaction committed — or
/// published again by an outbox relay with the same id — is found among the applied ids and
/// skipped. So each event is applied exactly once, and the table's changes and the checkpoint
/// always agree. An event of a type with no handler is skipped, counted in
/// `cqrs_projection_skipped_total` (dimensions `projection` and `type`), and advances the
/// checkpoint too.
///
/// **Rebuilding.** Raising ``version`` rebuilds the read model: the projection reads its topic
/// from the start as the new consumer group `<group>.v<version>` into the new, empty table,
/// while the view still points at the old table, so queries keep their answers. Once the
/// transport reports that the new group has nothing left to read (a lag of 0, checked by
/// ``run()`` every ``checkInterval``), one transaction points the view at the new table and
/// drops the old one: queries see the old table or the new one, never an empty or partial one.
///
/// **Read your writes.** ``waitUntilApplied(_:timeout:)`` returns once the view shows the
/// events of a command's consistency token.
///
/// **Retention.** The ids of applied events (table `cqrs_applied_events`) are what makes an
/// event delivered again a no-op, and what ``waitUntilApplied(_:timeout:)`` looks for. Without a
/// ``retention`` they are kept forever; with one, ``run()`` deletes those applied longer ago at
/// each check (or call ``prune(olderThan:)``). Keep them longer than an event can come back —
/// a redelivery, an outbox relay publishing again after a crash — and than any token is waited
/// for: an event whose id was deleted is applied again if it comes back.
public final class SQLiteProjection: Service, Sendable {
    private typealias Apply = @Sendable (Message, Database, String) throws -> Void

    private struct State {
        var status: ProjectionStatus
        var lagReporter: (any ConsumerLagReporting)?
        var skipped: [String: Counter] = [:]
        var metricsFactory: (any MetricsFactory)?
    }

    /// The projection's name: the name of the view queries read.
    public let name: String
    /// The version this projection builds.
    public let version: Int
    /// The topic whose events the projection applies.
    public let topic: String
    /// The consumer group this version reads as: `<group>.v<version>`.
    public let group: String
    /// The table this version builds: `<name>_v<version>`.
    public var table: String { "\(name)_v\(version)" }
    /// How often ``run()`` asks the transport for the lag and checks whether a rebuild has
    /// caught up. Default: 1 second.
    public let checkInterval: Duration
    /// How long the ids of applied events are kept; `nil` keeps them forever. Default: `nil`.
    public let retention: Duration?
    private let database: any DatabaseWriter
    private let handlers = Mutex<[String: Apply]>([:])
    private let state: Mutex<State>
    private let waiters = AppliedEventWaiters()
    private let sleep: @Sendable (Duration) async throws -> Void
    private let now: @Sendable () -> Date

    /// Opens the projection in `database`: creates its bookkeeping tables and this version's
    /// table if they are missing, and points the view at it unless an older version is complete
    /// (then this version rebuilds).
    ///
    /// - Parameters:
    ///   - name: The view queries read; letters, digits and `_`.
    ///   - version: The version of the read model, from 1; raise it to rebuild by replay.
    ///   - topic: The topic whose events the projection applies.
    ///   - group: The first part of the consumer group. Default: `projection.<name>`.
    ///   - database: The database of the read model.
    ///   - checkInterval: How often ``run()`` checks the lag and the rebuild. Default: 1 second.
    ///   - clock: The clock ``waitUntilApplied(_:timeout:)`` and ``run()`` measure on. Default:
    ///     `ContinuousClock`.
    ///   - retention: How long the ids of applied events are kept; `nil` keeps them forever.
    ///     Default: `nil`.
    ///   - now: The current time, recorded with each applied id and measured by the retention.
    ///     Default: the system clock.
    ///   - createTable: Creates the table named by its second argument, in the given database.
    /// - Throws: `CQRSError.Code.invalidConfiguration` for an invalid name or a version
    ///   below 1 or below the one the view shows, or a retention not above zero;
    ///   `CQRSError.Code.storeFailed` when the tables cannot be created.
    public init(
        name: String,
        version: Int,
        topic: String,
        group: String? = nil,
        database: any DatabaseWriter,
        checkInterval: Duration = .seconds(1),
        clock: some Clock<Duration> = ContinuousClock(),
        retention: Duration? = nil,
        now: @escaping @Sendable () -> Date = Date.init,
        createTable: @escaping @Sendable (Database, String) throws -> Void
    ) throws(CQRSError) {
        guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw CQRSError(.invalidConfiguration, "Projection name '\(name)' must be letters, digits and '_'.")
        }
        guard version >= 1 else {
            throw CQRSError(.invalidConfiguration, "Projection '\(name)' has version \(version); versions start at 1.")
        }
        if let retention, retention <= .zero {
            throw CQRSError(
                .invalidConfiguration,
                "Projection '\(name)' keeps applied ids for \(retention); a retention must be above zero."
            )
        }
        self.name = name
        self.version = version
        self.topic = topic
        self.group = "\(group ?? "projection.\(name)").v\(version)"
        self.database = database
        self.checkInterval = checkInterval
        self.retention = retention
        self.now = now
        self.sleep = { duration in try await clock.sleep(for: duration) }
        let table = "\(name)_v\(version)"
        let opened: (position: Int64, skipped: Int64, isRebuilding: Bool)
        do {
            opened = try database.write { db in
                try Self.createBookkeeping(
                    in: db,
                    now: now().timeIntervalSinceReferenceDate,
                    indexingAge: retention != nil
                )
                if try !db.tableExists(table) {
                    try createTable(db, table)
                }
                try db.execute(
                    sql: "INSERT OR IGNORE INTO cqrs_checkpoints (name, version) VALUES (?, ?)",
                    arguments: [name, version]
                )
                let current = try Int.fetchOne(
                    db,
                    sql: "SELECT current_version FROM cqrs_projections WHERE name = ?",
                    arguments: [name]
                )
                if let current, current > version {
                    throw CQRSError(
                        .invalidConfiguration,
                        "Projection '\(name)' is at version \(current); version \(version) is older."
                    )
                }
                if current == nil {
                    try Self.pointView(name, at: version, in: db)
                }
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT position, skipped FROM cqrs_checkpoints WHERE name = ? AND version = ?",
                    arguments: [name, version]
                )
                return (row?["position"] ?? 0, row?["skipped"] ?? 0, current.map { $0 < version } ?? false)
            }
        } catch let error as CQRSError {
            throw error
        } catch {
            throw CQRSError(.storeFailed, "Cannot open projection '\(name)': \(error)")
        }
        state = Mutex(
            State(
                status: ProjectionStatus(
                    name: name,
                    version: version,
                    position: opened.position,
                    lag: nil,
                    isRebuilding: opened.isRebuilding,
                    skippedEvents: opened.skipped,
                    lastError: nil
                )
            )
        )
    }

    /// Applies events of type `type` with `apply`, which changes the table it is given — this
    /// version's table — in the database it is given, inside the projection's transaction.
    ///
    /// Register every handler before ``register(on:maximumDeliveries:)``.
    public func on<Event: BusMessage>(
        _ type: Event.Type,
        _ apply: @escaping @Sendable (Event, Database, _ table: String) throws -> Void
    ) {
        handlers.withLock { handlers in
            handlers[Event.messageType] = { message, db, table in
                let event: Event
                do throws(MessagingError) {
                    event = try message.decode(Event.self)
                } catch {
                    throw CQRSError(.codingFailed, error.reason, messageType: Event.messageType)
                }
                try apply(event, db, table)
            }
        }
    }

    /// Registers the projection on `bus`: the one handler of ``topic`` for ``group``, handling
    /// one event at a time, in order. The projection holds one delivery at a time, so an event
    /// whose transaction failed is applied again before any later event of its partition.
    ///
    /// - Parameters:
    ///   - bus: The bus the projection consumes on; its transport reports the lag, when it can.
    ///   - maximumDeliveries: How many times an event whose transaction keeps failing is
    ///     delivered before the bus sets it aside on `<topic>.dead`; `nil` for no limit.
    ///     Default: `Bus.HandlerOptions.defaultMaximumDeliveries`.
    /// - Throws: `CQRSError.Code.invalidConfiguration` when the bus refuses the registration.
    public func register(on bus: Bus, maximumDeliveries: Int? = Bus.HandlerOptions.defaultMaximumDeliveries)
        throws(CQRSError)
    {
        state.withLock { state in
            state.lagReporter = bus.transport as? any ConsumerLagReporting
            state.metricsFactory = bus.metricsFactory
        }
        do {
            try bus.consume(
                from: topic,
                group: group,
                name: "projection \(name) v\(version)",
                options: Bus.HandlerOptions(
                    concurrency: 1,
                    // One delivery in hand at a time: an event that failed comes back before the
                    // next is handed out, so events are applied in the order of their partition.
                    subscription: SubscriptionOptions(prefetch: 1),
                    maximumDeliveries: maximumDeliveries
                )
            ) { message, _ in
                try await self.apply(message)
            }
        } catch {
            throw CQRSError(.invalidConfiguration, error.reason)
        }
    }

    /// The projection's position, lag, rebuild and last error, as of now.
    public var status: ProjectionStatus {
        state.withLock { $0.status }
    }

    /// Reads the read model: `body` gets the database, where the view ``name`` shows the
    /// complete version.
    public func read<Value: Sendable>(_ body: @Sendable (Database) throws -> Value) async throws -> Value {
        try await database.read(body)
    }

    /// Returns once the view shows every event of `token` published to ``topic``; at once if
    /// it has none.
    ///
    /// - Throws: `CQRSError.Code.consistencyTimedOut` after `timeout`, naming the events
    ///   still missing.
    public func waitUntilApplied(_ token: ConsistencyToken, timeout: Duration) async throws(CQRSError) {
        let ids = token.messageIDs(on: topic)
        guard !ids.isEmpty else {
            return
        }
        let database = database
        let name = name
        try await waiters.wait(
            for: ids,
            projection: name,
            isApplied: { id in
                try await database.read { db in try Self.isVisible(id, projection: name, in: db) }
            },
            timeout: timeout,
            sleep: sleep
        )
    }

    // MARK: - Applying

    private func apply(_ message: Message) async throws {
        let apply = handlers.withLock { $0[message.type] }
        let (name, version, table) = (name, version, table)
        let appliedAt = now().timeIntervalSinceReferenceDate
        let outcome: (applied: Bool, position: Int64)
        do {
            outcome = try await database.write { db in
                // Two cached statements of bookkeeping per event, compiled once per connection:
                // the applied id, whose conflict finds an event applied before, and the advance
                // of the checkpoint, which answers the new position.
                try db.cachedStatement(sql: Self.recordAppliedID)
                    .execute(arguments: [name, version, message.id, appliedAt])
                guard db.changesCount > 0 else {
                    return (false, 0)
                }
                try apply?(message, db, table)
                let position = try Int64.fetchOne(
                    db.cachedStatement(sql: Self.advanceCheckpoint),
                    arguments: [apply == nil ? 1 : 0, name, version]
                )
                return (true, position ?? 0)
            }
        } catch {
            state.withLock { $0.status.lastError = "\(error)" }
            throw error
        }
        // Read after the commit: a rebuild that finished meanwhile either sees this event
        // committed, or has already stopped rebuilding when it is read here.
        let (isVisible, skippedCounter) = state.withLock { state -> (Bool, Counter?) in
            state.status.lastError = nil
            guard outcome.applied else {
                return (false, nil)
            }
            state.status.position = outcome.position
            guard apply == nil else {
                return (!state.status.isRebuilding, nil)
            }
            state.status.skippedEvents += 1
            return (!state.status.isRebuilding, counter(forSkipped: message.type, in: &state))
        }
        skippedCounter?.increment()
        if isVisible {
            waiters.applied(CollectionOfOne(message.id))
        }
    }

    // MARK: - Lag and rebuild

    /// Asks the transport how far the projection is behind, records it in ``status``, and
    /// finishes a rebuild that has caught up: points the view at this version's table and drops
    /// the older ones, in one transaction.
    ///
    /// ``run()`` calls it every ``checkInterval``; call it yourself to check at once.
    ///
    /// - Returns: Whether the projection is still rebuilding.
    /// - Throws: `CQRSError.Code.storeFailed` when the switch to the new table fails.
    @discardableResult
    public func checkProgress() async throws(CQRSError) -> Bool {
        let reporter = state.withLock { $0.lagReporter }
        guard let reporter else {
            return status.isRebuilding
        }
        let lag = await reporter.consumerLag(of: group, on: topic)
        let isRebuilding = state.withLock { state in
            state.status.lag = lag
            return state.status.isRebuilding
        }
        guard isRebuilding, lag == 0 else {
            return isRebuilding
        }
        let (name, version, database) = (name, version, database)
        do {
            try await database.write { db in try Self.pointView(name, at: version, in: db) }
            state.withLock { $0.status.isRebuilding = false }
            // Everything this version applied is visible now.
            let waiting = waiters.waitingIDs()
            let visible = try await database.read { db in
                try waiting.filter { try Self.isVisible($0, projection: name, in: db) }
            }
            waiters.applied(visible)
        } catch {
            throw CQRSError(.storeFailed, "Cannot switch projection '\(name)' to version \(version): \(error)")
        }
        return false
    }

    /// Deletes the ids of the events this projection applied more than `age` ago, and returns
    /// how many it deleted. See ``retention``.
    ///
    /// - Throws: `CQRSError.Code.storeFailed` with SQLite's reason.
    @discardableResult
    public func prune(olderThan age: Duration) async throws(CQRSError) -> Int {
        let cutoff = now().timeIntervalSinceReferenceDate - age / .seconds(1)
        let name = name
        do {
            return try await database.write { db in
                try db.execute(
                    sql: "DELETE FROM cqrs_applied_events WHERE name = ? AND applied_at < ?",
                    arguments: [name, cutoff]
                )
                return db.changesCount
            }
        } catch {
            throw CQRSError(.storeFailed, "Cannot prune the applied ids of projection '\(name)': \(error)")
        }
    }

    /// Checks the projection's progress every ``checkInterval`` until graceful shutdown or
    /// cancellation, see ``checkProgress()``, and with a ``retention`` deletes the ids applied
    /// longer ago, see ``prune(olderThan:)``. A check that fails is recorded as the last error
    /// and tried again at the next interval.
    public func run() async throws {
        let (sleep, interval) = (sleep, checkInterval)
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    do {
                        try await self.checkProgress()
                        if let retention = self.retention {
                            try await self.prune(olderThan: retention)
                        }
                    } catch {
                        self.state.withLock { $0.status.lastError = "\(error)" }
                    }
                    try await sleep(interval)
                }
            }
        } catch is CancellationError {
        }
    }

    private func counter(forSkipped type: String, in state: inout State) -> Counter {
        if let counter = state.skipped[type] {
            return counter
        }
        let dimensions = [("projection", name), ("type", type)]
        let counter =
            state.metricsFactory.map {
                Counter(label: "cqrs_projection_skipped_total", dimensions: dimensions, factory: $0)
            } ?? Counter(label: "cqrs_projection_skipped_total", dimensions: dimensions)
        state.skipped[type] = counter
        return counter
    }

    // MARK: - Tables

    /// Records an event's id as applied; changes nothing for an id already recorded.
    private static let recordAppliedID = """
        INSERT INTO cqrs_applied_events (name, version, message_id, applied_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (name, version, message_id) DO NOTHING
        """

    /// Advances a checkpoint by one event, counting it as skipped when its first argument is 1,
    /// and answers the new position.
    private static let advanceCheckpoint = """
        UPDATE cqrs_checkpoints SET position = position + 1, skipped = skipped + ?
        WHERE name = ? AND version = ?
        RETURNING position
        """

    /// Creates the tables every projection of the database shares; with `indexingAge`, also the
    /// index by application time that pruning reads, which every applied event then writes to.
    private static func createBookkeeping(in db: Database, now: TimeInterval, indexingAge: Bool) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS cqrs_projections (
                    name TEXT PRIMARY KEY NOT NULL,
                    current_version INTEGER NOT NULL
                );
                CREATE TABLE IF NOT EXISTS cqrs_checkpoints (
                    name TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    position INTEGER NOT NULL DEFAULT 0,
                    skipped INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (name, version)
                );
                CREATE TABLE IF NOT EXISTS cqrs_applied_events (
                    name TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    message_id TEXT NOT NULL,
                    applied_at DOUBLE NOT NULL DEFAULT 0,
                    PRIMARY KEY (name, version, message_id)
                ) WITHOUT ROWID;
                """
        )
        // A database from before retention: its ids count as applied now.
        if try !db.columns(in: "cqrs_applied_events").contains(where: { $0.name == "applied_at" }) {
            try db.execute(sql: "ALTER TABLE cqrs_applied_events ADD COLUMN applied_at DOUBLE NOT NULL DEFAULT 0")
            try db.execute(sql: "UPDATE cqrs_applied_events SET applied_at = ?", arguments: [now])
        }
        if indexingAge {
            try db.execute(
                sql: "CREATE INDEX IF NOT EXISTS cqrs_applied_events_age ON cqrs_applied_events (name, applied_at)"
            )
        }
    }

    /// Points the view `name` at version `version`'s table and drops the older versions.
    private static func pointView(_ name: String, at version: Int, in db: Database) throws {
        let older = try Int.fetchAll(
            db,
            sql: "SELECT version FROM cqrs_checkpoints WHERE name = ? AND version < ?",
            arguments: [name, version]
        )
        try db.execute(sql: "DROP VIEW IF EXISTS \(name)")
        try db.execute(sql: "CREATE VIEW \(name) AS SELECT * FROM \(name)_v\(version)")
        try db.execute(
            sql: """
                INSERT INTO cqrs_projections (name, current_version) VALUES (?, ?)
                ON CONFLICT (name) DO UPDATE SET current_version = excluded.current_version
                """,
            arguments: [name, version]
        )
        for old in older {
            try db.execute(sql: "DROP TABLE IF EXISTS \(name)_v\(old)")
        }
        try db.execute(sql: "DELETE FROM cqrs_checkpoints WHERE name = ? AND version < ?", arguments: [name, version])
        try db.execute(
            sql: "DELETE FROM cqrs_applied_events WHERE name = ? AND version < ?",
            arguments: [name, version]
        )
    }

    /// Whether the version the view shows has applied the event `id`.
    private static func isVisible(_ id: String, projection name: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: """
                SELECT EXISTS(SELECT 1 FROM cqrs_applied_events a JOIN cqrs_projections p
                    ON p.name = a.name AND p.current_version = a.version
                    WHERE a.name = ? AND a.message_id = ?)
                """,
            arguments: [name, id]
        ) ?? false
    }
}
