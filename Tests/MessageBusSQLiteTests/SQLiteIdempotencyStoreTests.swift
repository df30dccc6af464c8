import Foundation
import GRDB
import MessageBus
import MessageBusSQLite
import MessageBusTesting
import Messaging
import Synchronization
import Testing

@Suite("SQLite idempotency store")
struct SQLiteIdempotencyStoreTests {
    /// A database file that is removed when the test ends.
    final class TemporaryDatabase: Sendable {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID()).sqlite").path

        deinit {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// A time that moves only when told to.
    final class ManualTime: Sendable {
        private let date = Mutex(Date(timeIntervalSince1970: 1_000))

        var now: Date {
            date.withLock { $0 }
        }

        func advance(by duration: Duration) {
            date.withLock { $0 += duration / .seconds(1) }
        }
    }

    @Test(arguments: IdempotencyStoreScenario.allCases)
    func theStoreKeepsTheStoreContract(_ scenario: IdempotencyStoreScenario) async throws {
        let database = TemporaryDatabase()
        let suite = IdempotencyStoreConformanceSuite {
            let time = ManualTime()
            return .init(try SQLiteIdempotencyStore(path: database.path, now: { time.now })) { time.advance(by: $0) }
        }
        try await suite.run(scenario)
    }

    /// Runs a bus with an idempotent receiver on `store`, publishes `messages`, and returns the
    /// ids the handler was given once all are handled.
    static func handle(_ messages: [Message], store: SQLiteIdempotencyStore) async throws -> [String] {
        let harness = BusHarness(middleware: [IdempotentReceiver(store: store)])
        try harness.bus.handle(from: "orders", group: "billing") { message, _ in
            [OutgoingMessage(Message(subject: message.id), to: "handled")]
        }
        try await harness.run {
            try await harness.transport.publish(messages, to: "orders")
            try await harness.waitUntilHandled("orders", group: "billing")
        }
        return harness.published(to: "handled").compactMap(\.subject)
    }

    @Test func duplicatesAreCaughtAfterARestart() async throws {
        let database = TemporaryDatabase()
        let order = Message(id: "order-1", key: "k")
        let first = try await Self.handle([order], store: try SQLiteIdempotencyStore(path: database.path))
        #expect(first == ["order-1"])
        // A new process: a new store on the same file, and the same message arriving again.
        let second = try await Self.handle(
            [order, Message(id: "order-2", key: "k")],
            store: try SQLiteIdempotencyStore(path: database.path)
        )
        #expect(second == ["order-2"])
    }

    @Test func anUnopenableDatabaseIsAClearError() {
        #expect {
            try SQLiteIdempotencyStore(path: "/nonexistent-directory/x/store.sqlite")
        } throws: { error in
            (error as? MessageBusError)?.code == .invalidConfiguration
                && "\(error)".contains("/nonexistent-directory/x/store.sqlite")
        }
    }

    // MARK: - One transaction for the handler's changes and the key

    /// An application database holding its invoices and the store's keys, and a bus whose
    /// billing handler writes an invoice per order in the same transaction as the order's key.
    struct Billing {
        let database: DatabaseQueue
        let store: SQLiteIdempotencyStore
        let harness: BusHarness

        /// `failing` tells, from a handling's attempt, whether the handler's transaction throws
        /// after writing its invoice; `failingLater`, whether the handling fails after the
        /// transaction committed.
        init(
            path: String,
            failing: @escaping @Sendable (Int) -> Bool = { _ in false },
            failingLater: @escaping @Sendable (Int) -> Bool = { _ in false }
        ) throws {
            database = try DatabaseQueue(path: path)
            try database.write { db in
                try db.execute(sql: "CREATE TABLE invoices (order_id TEXT NOT NULL, attempt INTEGER NOT NULL)")
            }
            store = try SQLiteIdempotencyStore(database: database)
            harness = BusHarness(middleware: [IdempotentReceiver(store: store)])
            try harness.bus.consume(from: "orders", group: "billing", name: "invoice") {
                [store] message, context in
                let attempt = context.delivery.attempt
                try await store.write(recordingFor: context) { db in
                    try db.execute(
                        sql: "INSERT INTO invoices (order_id, attempt) VALUES (?, ?)",
                        arguments: [message.id, attempt]
                    )
                    if failing(attempt) { throw StoreTestFailure() }
                }
                if failingLater(attempt) {
                    context.onSuccess { throw StoreTestFailure() }
                }
            }
        }

        /// Publishes `messages` and returns once all are handled.
        func handle(_ messages: [Message]) async throws {
            try await harness.run {
                try await harness.transport.publish(messages, to: "orders")
                try await harness.waitUntilHandled("orders", group: "billing")
            }
        }

        /// The invoices written, as order id and attempt.
        func invoices() async throws -> [String] {
            try await database.read { db in
                try Row.fetchAll(db, sql: "SELECT order_id, attempt FROM invoices ORDER BY rowid").map { row in
                    "\(row["order_id"] as String)@\(row["attempt"] as Int)"
                }
            }
        }

        func isRecorded(_ id: String) async throws -> Bool {
            try await store.contains(IdempotencyKey(group: "billing", handler: "invoice", messageID: id))
        }
    }

    @Test func theHandlersChangesAndTheKeyCommitTogether() async throws {
        let database = TemporaryDatabase()
        let billing = try Billing(path: database.path)
        let order = Message(id: "order-1", key: "order-1")
        try await billing.handle([order, order])
        #expect(try await billing.invoices() == ["order-1@1"])
        #expect(try await billing.isRecorded("order-1"))
    }

    @Test func theHandlersChangesAndTheKeyRollBackTogether() async throws {
        let database = TemporaryDatabase()
        let billing = try Billing(path: database.path, failing: { $0 == 1 })
        try await billing.handle([Message(id: "order-1")])
        // The first attempt's invoice was rolled back with its key: the second attempt was not
        // taken for a duplicate, and its invoice is the only one.
        #expect(try await billing.invoices() == ["order-1@2"])
        #expect(try await billing.isRecorded("order-1"))
        #expect(billing.harness.notifications.map(\.kind) == [.handlerFailed])
    }

    @Test func aKeyCommittedWithTheChangesHoldsWhenTheHandlingFailsLater() async throws {
        let database = TemporaryDatabase()
        let billing = try Billing(path: database.path, failingLater: { $0 == 1 })
        try await billing.handle([Message(id: "order-1")])
        // The first attempt committed its invoice and its key, then failed: the redelivery is a
        // duplicate, and nothing is invoiced twice.
        let invoices = try await billing.invoices()
        #expect(invoices == ["order-1@1"])
        #expect(billing.harness.notifications.map(\.kind) == [.handlerFailed])
    }
}

/// A failure a test throws on purpose.
struct StoreTestFailure: Error {}
