import ChannelAdapter
import ChannelAdapterSQLite
import ChannelAdapterTesting
import Foundation
import GRDB
import Testing

@Suite("Webhook subscription stores")
struct SubscriptionStoreTests {
    @Test(arguments: SubscriptionStoreScenario.allCases)
    func inMemoryConformance(_ scenario: SubscriptionStoreScenario) async throws {
        let suite = SubscriptionStoreConformanceSuite {
            let shared = InMemorySubscriptionStore()
            return .init(shared, reopen: { shared })
        }
        try await suite.run(scenario)
    }

    @Test(arguments: SubscriptionStoreScenario.allCases)
    func sqliteConformance(_ scenario: SubscriptionStoreScenario) async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("subscriptions-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("webhooks.sqlite").path
        let suite = SubscriptionStoreConformanceSuite {
            .init(try SQLiteSubscriptionStore(path: path), reopen: { try SQLiteSubscriptionStore(path: path) })
        }
        try await suite.run(scenario)
    }

    @Test func theSQLiteStoreSharesADatabaseWithTheApplication() async throws {
        let queue = try DatabaseQueue()
        try await queue.write { db in
            try db.execute(sql: "CREATE TABLE orders (id INTEGER PRIMARY KEY)")
        }
        let store = try SQLiteSubscriptionStore(database: queue)
        let subscription = WebhookSubscription(
            id: "sub_1",
            url: "https://example.com/hook",
            eventTypes: ["order.created"],
            secret: "whsec_" + String(repeating: "C", count: 44)
        )
        try await store.register(subscription)
        let again = try SQLiteSubscriptionStore(database: queue)
        #expect(try await again.list().map(\.id) == ["sub_1"])
        let tables = try await queue.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        #expect(tables == ["channel_adapter_webhook_subscriptions", "orders"])
    }

    @Test func anUnopenableDatabaseIsAConfigurationError() {
        let error = #expect(throws: ChannelAdapterError.self) {
            try SQLiteSubscriptionStore(path: "/nonexistent-directory/webhooks.sqlite")
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.reason.contains("/nonexistent-directory/webhooks.sqlite") == true)
    }
}
