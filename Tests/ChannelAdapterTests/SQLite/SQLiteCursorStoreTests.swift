import ChannelAdapter
import ChannelAdapterSQLite
import ChannelAdapterTesting
import Foundation
import GRDB
import MessageBus
import MessageBusTesting
import Messaging
import Testing

@Suite("SQLite cursor store")
struct SQLiteCursorStoreTests {
    /// A database file that is removed when the test ends.
    final class TemporaryDatabase: Sendable {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cursors-\(UUID()).sqlite").path

        deinit {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                try? FileManager.default.removeItem(atPath: path + suffix)
            }
        }
    }

    @Test(arguments: CursorStoreScenario.allCases)
    func theStoreKeepsTheStoreContract(_ scenario: CursorStoreScenario) async throws {
        let database = TemporaryDatabase()
        let suite = CursorStoreConformanceSuite {
            .init(try SQLiteCursorStore(path: database.path)) { try SQLiteCursorStore(path: database.path) }
        }
        try await suite.run(scenario)
    }

    @Test func storesOnSeparateConnectionsToOneFileHaveOneWinner() async throws {
        let database = TemporaryDatabase()
        let stores = try (0..<4).map { _ in try SQLiteCursorStore(path: database.path) }
        try await stores[0].commit("orders", expected: nil, new: "0")
        let outcomes = try await withThrowingTaskGroup(of: (won: String?, found: String?).self) { tasks in
            for (index, store) in stores.enumerated() {
                tasks.addTask {
                    do {
                        try await store.commit("orders", expected: "0", new: "s\(index)")
                        return (won: "s\(index)", found: nil)
                    } catch let error as ChannelAdapterError where error.code == .cursorConflict {
                        return (won: nil, found: error.actualCursor)
                    }
                }
            }
            var outcomes: [(won: String?, found: String?)] = []
            for try await outcome in tasks {
                outcomes.append(outcome)
            }
            return outcomes
        }
        let winners = outcomes.compactMap(\.won)
        #expect(winners.count == 1)
        let winner = try #require(winners.first)
        #expect(outcomes.compactMap(\.found) == [winner, winner, winner])
        for store in stores {
            #expect(try await store.load("orders") == winner)
        }
    }

    @Test func theStoreSharesADatabaseTheApplicationAlreadyUses() async throws {
        let queue = try DatabaseQueue()
        try await queue.write { db in
            try db.execute(sql: "CREATE TABLE orders (id TEXT PRIMARY KEY)")
        }
        let store = try SQLiteCursorStore(database: queue)
        try await store.commit("erp", expected: nil, new: "7")
        #expect(try await SQLiteCursorStore(database: queue).load("erp") == "7")
        let tables = try await queue.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        #expect(tables == ["channel_adapter_cursors", "orders"])
    }

    @Test func anUnopenableDatabaseIsAClearError() {
        #expect {
            try SQLiteCursorStore(path: "/nonexistent-directory/x/cursors.sqlite")
        } throws: { error in
            (error as? ChannelAdapterError)?.code == .invalidConfiguration
                && "\(error)".contains("/nonexistent-directory/x/cursors.sqlite")
        }
    }
}
