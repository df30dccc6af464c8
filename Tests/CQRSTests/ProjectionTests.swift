import CQRS
import CQRSSQLite
import Clocks
import Foundation
import GRDB
import InMemoryTransport
import MessageBus
import MessageBusTesting
import Messaging
import MetricsTestKit
import Synchronization
import Testing

@Suite("SQLite projections")
struct ProjectionTests {
    /// A projection of rule events into the view `rules`; version 2 also keeps the name in
    /// capitals.
    static func rules(
        version: Int = 1,
        database: DatabaseQueue,
        failing: Count? = nil,
        holding: Hold? = nil,
        applied: Collector<Int>? = nil
    ) throws -> SQLiteProjection {
        let projection = try SQLiteProjection(
            name: "rules",
            version: version,
            topic: "rules.events",
            database: database,
            checkInterval: .milliseconds(2)
        ) {
            db,
            table in
            let capitals = version >= 2 ? ", shout TEXT NOT NULL" : ""
            try db.execute(sql: "CREATE TABLE \(table) (id INTEGER PRIMARY KEY, name TEXT NOT NULL\(capitals))")
        }
        projection.on(RuleCreated.self) { event, db, table in
            if version >= 2 {
                try db.execute(
                    sql: "INSERT INTO \(table) (id, name, shout) VALUES (?, ?, ?)",
                    arguments: [event.id, event.name, event.name.uppercased()]
                )
            } else {
                try db.execute(sql: "INSERT INTO \(table) (id, name) VALUES (?, ?)", arguments: [event.id, event.name])
            }
            // The crash: after the row is written, before the transaction commits.
            if event.id == 3, let failing, failing.next() == 1 {
                throw SimulatedCrash()
            }
            // Held: the event fails, and comes back, until the test lets it through.
            if event.id == 25, let holding, holding.isHeld {
                throw SimulatedCrash()
            }
            applied?.append(event.id)
        }
        return projection
    }

    static func events(_ count: Int) throws -> [Message] {
        try (1...count).map { id in
            var message = try Message(RuleCreated(id: id, name: "rule \(id)"))
            message.id = "event-\(id)"
            message.key = "rules"
            return message
        }
    }

    static func rowCount(_ projection: SQLiteProjection) async throws -> Int {
        try await projection.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rules") ?? 0 }
    }

    @Test(arguments: Carrier.allCases)
    func aCrashInTheMiddleOfApplyingAnEventAppliesItOnceAfterRestart(carrier: Carrier) async throws {
        let database = try DatabaseQueue(path: temporaryDatabasePath())
        let stage = try Stage(carrier, topics: ["rules.events"])
        let bus = try stage.bus()
        let failing = Count()
        let applied = Collector<Int>()
        let projection = try Self.rules(database: database, failing: failing, applied: applied)
        try projection.register(on: bus)
        try await stage.run([bus]) {
            try await bus.transport.publish(try Self.events(5), to: "rules.events")
            try await stage.waitUntil("the projection applied every event") { projection.status.position == 5 }
            try await stage.waitUntilHandled("rules.events", group: projection.group, on: bus)
        }
        #expect(failing.current == 2)
        // The failed event came back before the next one: applied in order.
        #expect(applied.all == [1, 2, 3, 4, 5])
        #expect(try await Self.rowCount(projection) == 5)
        #expect(projection.status.position == 5)
        #expect(projection.status.lastError == nil)

        // Restart on the same database; an event already applied arrives again.
        let restarted = try stage.bus()
        let again = try Self.rules(database: database)
        try again.register(on: restarted)
        #expect(again.status.position == 5)
        try await stage.run([restarted]) {
            try await restarted.transport.publish(try Self.events(2)[1], to: "rules.events")
            try await stage.waitUntilHandled("rules.events", group: again.group, on: restarted)
        }
        #expect(try await Self.rowCount(again) == 5)
        #expect(again.status.position == 5)
    }

    @Test func anUnknownEventIsSkippedCountedAndAdvancesTheCheckpoint() async throws {
        let metrics = TestMetrics()
        let harness = BusHarness(metricsFactory: metrics)
        let projection = try Self.rules(database: try DatabaseQueue(path: temporaryDatabasePath()))
        try projection.register(on: harness.bus)
        var renamed = try Message(RuleRenamed(id: 1, name: "gates"))
        renamed.key = "rules"
        try await harness.run {
            try await harness.transport.publish([try Self.events(1)[0], renamed], to: "rules.events")
            try await harness.waitUntilHandled("rules.events", group: projection.group)
        }
        #expect(projection.status.position == 2)
        #expect(projection.status.skippedEvents == 1)
        #expect(try await Self.rowCount(projection) == 1)
        let skipped = try metrics.expectCounter(
            "cqrs_projection_skipped_total",
            [("projection", "rules"), ("type", "rules.rule-renamed")]
        )
        #expect(skipped.totalValue == 1)
    }

    @Test func aRebuildWhileQueriesRunNeverShowsAnEmptyOrHalfTable() async throws {
        let database = try DatabaseQueue(path: temporaryDatabasePath())
        let broker = InMemoryBroker()
        let first = BusHarness(broker: broker)
        let v1 = try Self.rules(database: database)
        try v1.register(on: first.bus)
        try await first.run {
            try await first.transport.publish(try Self.events(50), to: "rules.events")
            try await first.waitUntilHandled("rules.events", group: v1.group)
        }
        #expect(try await Self.rowCount(v1) == 50)

        let second = BusHarness(broker: broker)
        let hold = Hold()
        let v2 = try Self.rules(version: 2, database: database, holding: hold)
        #expect(v2.status.isRebuilding)
        #expect(v2.group == "projection.rules.v2")
        try v2.register(on: second.bus, maximumDeliveries: nil)
        let seen = Collector<Int>()
        try await second.run(with: [v2]) {
            defer { hold.release() }
            // Half way: the rebuild has applied 24 events into rules_v2 and is stuck on the 25th.
            try await second.waitUntil("the rebuild is half way") {
                v2.status.position == 24 && v2.status.lastError != nil
            }
            #expect(v2.status.isRebuilding)
            #expect(try await v2.checkProgress())
            #expect(v2.status.lag == 26)
            seen.append(try await Self.rowCount(v2))
            let columns = try await v2.read { db in try db.columns(in: "rules").map(\.name) }
            #expect(columns == ["id", "name"])
            hold.release()
            while v2.status.isRebuilding {
                seen.append(try await Self.rowCount(v2))
                await Task.yield()
            }
        }
        #expect(!seen.all.isEmpty)
        #expect(seen.all.allSatisfy { $0 == 50 })
        #expect(try await Self.rowCount(v2) == 50)
        #expect(v2.status.position == 50)
        #expect(v2.status.lag == 0)
        let shout = try await v2.read { db in try String.fetchOne(db, sql: "SELECT shout FROM rules WHERE id = 7") }
        #expect(shout == "RULE 7")
        let tables = try await v2.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'rules_v%'")
        }
        #expect(tables == ["rules_v2"])
    }

    @Test func anOlderVersionThanTheViewShowsIsRefused() throws {
        let database = try DatabaseQueue(path: temporaryDatabasePath())
        let v2 = try Self.rules(version: 2, database: database)
        #expect(!v2.status.isRebuilding)
        let error = try #require(throws: CQRSError.self) { try Self.rules(version: 1, database: database) }
        #expect(error.code == .invalidConfiguration)
    }

    @Test func waitingForATokenReturnsOnceTheProjectionAppliedIt() async throws {
        let database = try DatabaseQueue(path: temporaryDatabasePath())
        let harness = BusHarness()
        let outbox = InMemoryOutboxStore()
        let requester = Requester(bus: harness.bus, replyTopic: "rules.answers")
        let relay = OutboxRelay(store: outbox, bus: harness.bus)
        let commands = CommandBus(bus: harness.bus, requester: requester, store: outbox, relay: relay)
        try commands.register(CreateRule.self) { command, context in
            try context.record(RuleCreated(id: 9, name: command.name), to: "rules.events")
            return RuleCreatedAnswer(id: 9)
        }
        let projection = try Self.rules(database: database)
        try projection.register(on: harness.bus)
        let name = try await harness.run(with: [requester, relay]) {
            let answer = try await commands.send(CreateRule(commandID: "request-1", name: "doors", threshold: 1))
            let token = try #require(answer.consistencyToken)
            try await projection.waitUntilApplied(
                try ConsistencyToken(parsing: token.description),
                timeout: .seconds(20)
            )
            return try await projection.read { db in try String.fetchOne(db, sql: "SELECT name FROM rules WHERE id = 9")
            }
        }
        #expect(name == "doors")
    }

    @Test func waitingForATokenNeverAppliedTimesOutWithItsTypedError() async throws {
        let projection = try SQLiteProjection(
            name: "rules",
            version: 1,
            topic: "rules.events",
            database: try DatabaseQueue(path: temporaryDatabasePath()),
            clock: ImmediateClock()
        ) { db, table in try db.execute(sql: "CREATE TABLE \(table) (id INTEGER PRIMARY KEY)") }
        let token = ConsistencyToken(events: [.init(topic: "rules.events", messageID: "request-1.event-1")])
        let error = try await #require(throws: CQRSError.self) {
            try await projection.waitUntilApplied(token, timeout: .seconds(5))
        }
        #expect(error.code == .consistencyTimedOut)
        #expect(error.reason.contains("request-1.event-1"))
    }

    @Test func appliedIdsOlderThanTheRetentionArePrunedAndTheCheckpointStays() async throws {
        let database = try DatabaseQueue(path: temporaryDatabasePath())
        let clock = WallClock(Date(timeIntervalSince1970: 1_800_000_000))
        let harness = BusHarness()
        let projection = try SQLiteProjection(
            name: "rules",
            version: 1,
            topic: "rules.events",
            database: database,
            now: clock.now
        ) { db, table in try db.execute(sql: "CREATE TABLE \(table) (id INTEGER PRIMARY KEY, name TEXT NOT NULL)") }
        projection.on(RuleCreated.self) { event, db, table in
            try db.execute(sql: "INSERT INTO \(table) (id, name) VALUES (?, ?)", arguments: [event.id, event.name])
        }
        try projection.register(on: harness.bus)
        let events = try Self.events(5)
        try await harness.run {
            try await harness.transport.publish(Array(events[..<3]), to: "rules.events")
            try await harness.waitUntilHandled("rules.events", group: projection.group)
            clock.advance(by: 7200)
            try await harness.transport.publish(Array(events[3...]), to: "rules.events")
            try await harness.waitUntilHandled("rules.events", group: projection.group)
        }
        #expect(try await Self.appliedIDs(in: database) == 5)
        #expect(try await projection.prune(olderThan: .seconds(3601)) == 3)
        #expect(try await Self.appliedIDs(in: database) == 2)
        #expect(try await projection.prune(olderThan: .seconds(3601)) == 0)
        #expect(projection.status.position == 5)
        #expect(try await Self.rowCount(projection) == 5)
        // The ids kept still tell a delivery again from a new event.
        let again = BusHarness(broker: harness.broker)
        let restarted = try SQLiteProjection(
            name: "rules",
            version: 1,
            topic: "rules.events",
            database: database,
            now: clock.now
        ) { _, _ in }
        try restarted.register(on: again.bus)
        try await again.run {
            try await again.transport.publish(events[4], to: "rules.events")
            try await again.waitUntilHandled("rules.events", group: restarted.group)
        }
        #expect(restarted.status.position == 5)
    }

    @Test func runningWithARetentionPrunesAtEachCheck() async throws {
        let database = try DatabaseQueue(path: temporaryDatabasePath())
        let clock = WallClock(Date(timeIntervalSince1970: 1_800_000_000))
        let harness = BusHarness()
        let projection = try SQLiteProjection(
            name: "rules",
            version: 1,
            topic: "rules.events",
            database: database,
            checkInterval: .milliseconds(2),
            retention: .seconds(60),
            now: clock.now
        ) { db, table in try db.execute(sql: "CREATE TABLE \(table) (id INTEGER PRIMARY KEY, name TEXT NOT NULL)") }
        projection.on(RuleCreated.self) { event, db, table in
            try db.execute(sql: "INSERT INTO \(table) (id, name) VALUES (?, ?)", arguments: [event.id, event.name])
        }
        try projection.register(on: harness.bus)
        try await harness.run(with: [projection]) {
            try await harness.transport.publish(try Self.events(4), to: "rules.events")
            try await harness.waitUntilHandled("rules.events", group: projection.group)
            #expect(try await Self.appliedIDs(in: database) == 4)
            clock.advance(by: 61)
            try await harness.waitUntil("the applied ids are pruned") {
                (try? database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cqrs_applied_events") })
                    == 0
            }
        }
        #expect(projection.status.position == 4)
        #expect(try await Self.rowCount(projection) == 4)
    }

    @Test func aRetentionNotAboveZeroIsRefused() {
        let error = #expect(throws: CQRSError.self) {
            try SQLiteProjection(
                name: "rules",
                version: 1,
                topic: "rules.events",
                database: try DatabaseQueue(),
                retention: .zero
            ) { _, _ in }
        }
        #expect(error?.code == .invalidConfiguration)
    }

    @Test func aDatabaseFromBeforeRetentionKeepsItsAppliedIds() async throws {
        let database = try DatabaseQueue(path: temporaryDatabasePath())
        try await database.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE cqrs_applied_events (
                        name TEXT NOT NULL, version INTEGER NOT NULL, message_id TEXT NOT NULL,
                        PRIMARY KEY (name, version, message_id)
                    ) WITHOUT ROWID;
                    INSERT INTO cqrs_applied_events VALUES ('rules', 1, 'event-1');
                    """
            )
        }
        let clock = WallClock(Date(timeIntervalSince1970: 1_800_000_000))
        let projection = try SQLiteProjection(
            name: "rules",
            version: 1,
            topic: "rules.events",
            database: database,
            now: clock.now
        ) { db, table in try db.execute(sql: "CREATE TABLE \(table) (id INTEGER PRIMARY KEY)") }
        #expect(try await projection.prune(olderThan: .seconds(60)) == 0)
        clock.advance(by: 61)
        #expect(try await projection.prune(olderThan: .seconds(60)) == 1)
    }

    static func appliedIDs(in database: DatabaseQueue) async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM cqrs_applied_events") ?? 0 }
    }

    @Test func aMalformedTokenIsRefused() {
        #expect(throws: CQRSError.self) { try ConsistencyToken(parsing: "not a token") }
    }
}

/// A switch a test flips to let a held event through.
final class Hold: Sendable {
    private let held = Mutex(true)
    var isHeld: Bool { held.withLock { $0 } }
    func release() { held.withLock { $0 = false } }
}

/// What a process that dies in the middle of a transaction leaves: a transaction not committed.
struct SimulatedCrash: Error {}

/// Wall-clock time a test moves on by hand.
final class WallClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date) {
        current = Mutex(start)
    }

    @Sendable func now() -> Date {
        current.withLock { $0 }
    }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 += seconds }
    }
}
