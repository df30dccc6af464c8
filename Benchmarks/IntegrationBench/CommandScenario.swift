import CQRS
import CQRSSQLite
import Foundation
import GRDB
import InMemoryTransport
import MessageBus
import Messaging
import Metrics

/// Commands a `CommandBus` handles per second with a SQLite outbox: each command sent over the
/// in-memory transport and answered, its rule row, answer and event committed in one transaction
/// by `SQLiteOutboxStore.write(_:_:)`, its event published by a running `OutboxRelay`; beside a
/// bare GRDB loop writing the same three rows, one transaction per command, into a database
/// opened the same way.
enum CommandScenario {
    struct CreateRule: Command {
        typealias Result = Int
        static let messageType = "bench.create-rule"
        var commandID: String
        var name: String
    }

    static let eventsTopic = "rules.events"

    static func createTable(_ db: Database) throws {
        try db.execute(sql: "CREATE TABLE rules (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    }

    /// Commands per second, sent one after another, each awaiting its answer, timed from the
    /// first send until the last answer arrived and the relay published every event.
    static func commandRate(_ commands: [CreateRule]) async throws -> Double {
        try await ProjectionScenario.withDatabase { database in
            try await database.write { db in try createTable(db) }
            let outbox = try SQLiteOutboxStore(database: database)
            let transport = InMemoryTransport()
            let bus = Bus(transport: transport, name: "bench", metricsFactory: NOOPMetricsHandler.instance)
            let requester = Requester(bus: bus, replyTopic: "rules.answers")
            let relay = OutboxRelay(store: outbox, bus: bus)
            let commandBus = CommandBus(bus: bus, requester: requester, store: outbox, relay: relay)
            try commandBus.register(CreateRule.self) { command, context in
                try await outbox.write(context) { db in
                    try db.execute(sql: "INSERT INTO rules (name) VALUES (?)", arguments: [command.name])
                    let id = Int(db.lastInsertedRowID)
                    try context.record(ProjectionScenario.RuleCreated(id: id, name: command.name), to: eventsTopic)
                    return id
                }
            }
            return try await withRunningServices([transport, bus, requester, relay], logger: bus.logger) {
                try await bus.waitUntilRunning()
                let clock = ContinuousClock()
                let start = clock.now
                for (index, command) in commands.enumerated() {
                    let answer = try await commandBus.send(command)
                    guard answer.result == index + 1 else {
                        throw BenchmarkError("command-outbox: command \(index + 1) answered \(answer.result)")
                    }
                }
                while try await !outbox.pending(limit: 1).isEmpty {
                    try await Task.sleep(for: .milliseconds(1))
                }
                return Double(commands.count) / seconds(clock.now - start)
            }
        }
    }

    /// Commands per second written by a plain loop: per command one write transaction inserting
    /// the rule, its answer and its outbox row.
    static func bareRate(_ commands: [CreateRule]) async throws -> Double {
        try await ProjectionScenario.withDatabase { database in
            try await database.write { db in
                try createTable(db)
                try db.execute(
                    sql: """
                        CREATE TABLE answers (command_id TEXT PRIMARY KEY NOT NULL, answer BLOB NOT NULL);
                        CREATE TABLE outbox (sequence INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL,
                            message BLOB NOT NULL, published_at DOUBLE);
                        """
                )
            }
            let encoder = JSONEncoder()
            let clock = ContinuousClock()
            let start = clock.now
            for command in commands {
                try await database.write { db in
                    try db.execute(sql: "INSERT INTO rules (name) VALUES (?)", arguments: [command.name])
                    let id = Int(db.lastInsertedRowID)
                    try db.execute(
                        sql: "INSERT INTO answers (command_id, answer) VALUES (?, ?)",
                        arguments: [command.commandID, try encoder.encode(id)]
                    )
                    try db.execute(
                        sql: "INSERT INTO outbox (topic, message) VALUES (?, ?)",
                        arguments: [
                            eventsTopic, try encoder.encode(ProjectionScenario.RuleCreated(id: id, name: command.name)),
                        ]
                    )
                }
            }
            return Double(commands.count) / seconds(clock.now - start)
        }
    }

    static let commands = Scenario(name: "command-outbox") { scale in
        let commands = (0..<scale.commands).map { CreateRule(commandID: "command-\($0 + 1)", name: "rule \($0 + 1)") }
        let (project, baseline) = try await Scenario.alternate(rounds: scale.rounds) {
            try await bareRate(commands)
        } project: {
            try await commandRate(commands)
        }
        return .throughput("command-outbox", project: project, baseline: baseline, target: nil)
    }
}
