import ChannelAdapter
import ChannelAdapterTesting
import Testing

@Suite("In-memory cursor store")
struct InMemoryCursorStoreTests {
    @Test(arguments: CursorStoreScenario.allCases)
    func theStoreKeepsTheStoreContract(_ scenario: CursorStoreScenario) async throws {
        let suite = CursorStoreConformanceSuite {
            let store = InMemoryCursorStore()
            return .init(store) { store }
        }
        try await suite.run(scenario)
    }

    @Test func theSuiteCatchesAStoreWithoutCompareAndSet() async throws {
        /// A store that overwrites whatever it holds.
        final class Overwriting: CursorStore {
            let store = InMemoryCursorStore()
            func load(_ name: String) async throws -> String? { try await store.load(name) }
            func commit(_ name: String, expected: String?, new: String) async throws {
                let actual = try await store.load(name)
                try await store.commit(name, expected: actual, new: new)
            }
        }
        let suite = CursorStoreConformanceSuite {
            let store = Overwriting()
            return .init(store) { store }
        }
        for scenario in [CursorStoreScenario.staleCommitConflicts, .concurrentCommitsHaveOneWinner] {
            await #expect(throws: (any Error).self, "\(scenario)") {
                try await suite.run(scenario)
            }
        }
        try await suite.run(.commitsAdvanceTheCursor)
    }

    @Test func theStoreStartsWithTheCursorsItIsGiven() async throws {
        let store = InMemoryCursorStore(["orders": "10"])
        #expect(try await store.load("orders") == "10")
    }
}
