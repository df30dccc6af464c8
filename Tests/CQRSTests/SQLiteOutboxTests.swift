import CQRS
import CQRSSQLite
import Foundation
import GRDB
import InMemoryTransport
import MessageBus
import MessageBusTesting
import Messaging
import Testing

@Suite("SQLite outbox")
struct SQLiteOutboxTests {
    /// A command side whose handler inserts the rule and records its event in one transaction.
    struct Side {
        let harness: BusHarness
        let database: DatabaseQueue
        let outbox: SQLiteOutboxStore
        let requester: Requester
        let commands: CommandBus

        init(path: String, broker: InMemoryBroker = InMemoryBroker()) throws {
            harness = BusHarness(broker: broker)
            database = try DatabaseQueue(path: path)
            try database.write { db in
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS rules (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
            }
            outbox = try SQLiteOutboxStore(database: database)
            requester = Requester(bus: harness.bus, replyTopic: "rules.answers")
            commands = CommandBus(bus: harness.bus, requester: requester, store: outbox)
            try commands.register(CreateRule.self) { [outbox] command, context in
                try await outbox.write(context) { db in
                    try db.execute(sql: "INSERT INTO rules (name) VALUES (?)", arguments: [command.name])
                    let id = Int(db.lastInsertedRowID)
                    try context.record(RuleCreated(id: id, name: command.name), to: "rules.events")
                    if command.name == "limit" {
                        throw RuleLimitReached()
                    }
                    return RuleCreatedAnswer(id: id)
                }
            }
        }

        func ruleCount() throws -> Int {
            try database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rules") ?? 0 }
        }
    }

    @Test func aCrashBetweenCommitAndPublishLosesNothingAndPublishesOnce() async throws {
        let path = temporaryDatabasePath()
        let broker = InMemoryBroker()
        let side = try Side(path: path, broker: broker)
        // No relay runs: the process stops after the commit and before publishing.
        let answer = try await side.harness.run(with: [side.requester]) {
            try await side.commands.send(CreateRule(commandID: "request-1", name: "doors", threshold: 2))
        }
        #expect(answer.result == RuleCreatedAnswer(id: 1))
        #expect(try side.ruleCount() == 1)
        #expect(broker.snapshot(of: "rules.events") == nil)

        // Restart: the store is opened again on the same file, and its relay runs.
        let restarted = BusHarness(broker: broker)
        let outbox = try SQLiteOutboxStore(database: try DatabaseQueue(path: path))
        let relay = OutboxRelay(store: outbox, bus: restarted.bus)
        try await restarted.run(with: [relay]) {
            try await restarted.waitUntil("the event is published") {
                !restarted.published(to: "rules.events").isEmpty
            }
            #expect(try await relay.publishPending() == 0)
        }
        let published = restarted.published(to: "rules.events")
        #expect(published.map(\.id) == ["request-1.event-1"])
        #expect(try published.first?.decode(RuleCreated.self) == RuleCreated(id: 1, name: "doors"))
        #expect(try await outbox.pending(limit: 10).isEmpty)
    }

    @Test func theSameCommandIDTwiceStoresOneRuleAndAnswersTheSame() async throws {
        let side = try Side(path: temporaryDatabasePath())
        let (first, second) = try await side.harness.run(with: [side.requester]) {
            let command = CreateRule(commandID: "request-2", name: "doors", threshold: 2)
            return (try await side.commands.send(command), try await side.commands.send(command))
        }
        #expect(first.result == second.result)
        #expect(first.consistencyToken == second.consistencyToken)
        #expect(try side.ruleCount() == 1)
        #expect(try await side.outbox.pending(limit: 10).count == 1)
    }

    @Test func aFailingCommandChangesNothingAndPublishesNothing() async throws {
        let side = try Side(path: temporaryDatabasePath())
        let error = try await side.harness.run(with: [side.requester]) {
            try await #require(throws: CQRSError.self) {
                try await side.commands.send(CreateRule(commandID: "request-3", name: "limit", threshold: 2))
            }
        }
        #expect(error.code == .commandRejected)
        #expect(try side.ruleCount() == 0)
        #expect(try await side.outbox.pending(limit: 10).isEmpty)
    }
}

/// A new database file in the temporary directory.
func temporaryDatabasePath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("cqrs-\(UUID().uuidString).sqlite").path
}
