import CQRS
import CQRSSQLite
import Foundation
import GRDB
import InMemoryTransport
import MessageBus
import Messaging
import Metrics

/// Events a CQRS projection applies per second into SQLite, each in one transaction with its
/// checkpoint and applied id, read from the in-memory transport; beside a bare GRDB loop
/// inserting the same rows, one transaction per row, into a database opened the same way.
enum ProjectionScenario {
    struct RuleCreated: BusMessage {
        static let messageType = "bench.rule-created"
        var id: Int
        var name: String
    }

    static let topic = "rules.events"

    /// A new database file in a directory of its own, removed by `body`'s end.
    static func withDatabase<Result>(_ body: (DatabaseQueue) async throws -> Result) async throws -> Result {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("projection-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try DatabaseQueue(path: directory.appendingPathComponent("read-model.sqlite").path)
        return try await body(database)
    }

    static func createTable(_ db: Database, _ table: String) throws {
        try db.execute(sql: "CREATE TABLE \(table) (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    }

    /// Events per second, from the bus's start until the projection has applied all `events`,
    /// published before it started, as seen by a check every 10 ms.
    static func projectionRate(_ events: [Message]) async throws -> Double {
        try await withDatabase { database in
            let transport = InMemoryTransport()
            for batch in stride(from: 0, to: events.count, by: 1000) {
                try await transport.publish(Array(events[batch..<min(batch + 1000, events.count)]), to: topic)
            }
            let bus = Bus(transport: transport, name: "bench", metricsFactory: NOOPMetricsHandler.instance)
            let rules = try SQLiteProjection(
                name: "rules",
                version: 1,
                topic: topic,
                database: database,
                createTable: createTable
            )
            rules.on(RuleCreated.self) { event, db, table in
                try db.execute(sql: "INSERT INTO \(table) (id, name) VALUES (?, ?)", arguments: [event.id, event.name])
            }
            try rules.register(on: bus)
            let clock = ContinuousClock()
            let start = clock.now
            let runner = Task { try await bus.run() }
            // Every 10 ms: polling every millisecond woke two threads a thousand times a second
            // beside the projection, about 7% of its CPU in the profile on a 2-core machine, a
            // cost the bare loop does not pay; 10 ms adds at most 0.2% to a run of 5,000 events.
            while rules.status.position < Int64(events.count) {
                try await Task.sleep(for: .milliseconds(10))
            }
            let elapsed = clock.now - start
            runner.cancel()
            _ = try? await runner.value
            await transport.shutdown()
            let rows = try await rules.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rules") ?? 0 }
            guard rows == events.count else {
                throw BenchmarkError("projection-sqlite: \(rows) rows for \(events.count) events")
            }
            return Double(events.count) / seconds(elapsed)
        }
    }

    /// Rows per second inserted by a plain loop, one transaction per row.
    static func bareRate(_ rules: [RuleCreated]) async throws -> Double {
        try await withDatabase { database in
            try await database.write { db in try createTable(db, "rules") }
            let clock = ContinuousClock()
            let start = clock.now
            for rule in rules {
                try await database.write { db in
                    try db.execute(sql: "INSERT INTO rules (id, name) VALUES (?, ?)", arguments: [rule.id, rule.name])
                }
            }
            return Double(rules.count) / seconds(clock.now - start)
        }
    }

    static let projection = Scenario(name: "projection-sqlite") { scale in
        let rules = (0..<scale.projectionEvents).map { RuleCreated(id: $0 + 1, name: "rule \($0 + 1)") }
        let events = try rules.map { try Message($0) }
        let (project, baseline) = try await Scenario.alternate(rounds: scale.rounds) {
            try await bareRate(rules)
        } project: {
            try await projectionRate(events)
        }
        return .throughput("projection-sqlite", project: project, baseline: baseline, target: 0.7)
    }
}
