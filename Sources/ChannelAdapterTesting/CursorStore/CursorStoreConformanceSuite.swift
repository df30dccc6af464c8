import ChannelAdapter
import MessageBusTesting

/// The behavioural contract of `CursorStore`, as runnable scenarios.
///
/// Every cursor store runs this suite. It works under Swift Testing and XCTest alike: a
/// scenario returns when the store behaved, and throws `StoreConformanceFailure` when it did not.
///
/// ```swift
/// @Test(arguments: CursorStoreScenario.allCases)
/// func conformance(_ scenario: CursorStoreScenario) async throws {
///     let suite = CursorStoreConformanceSuite {
///         let shared = InMemoryCursorStore()
///         return .init(shared, reopen: { shared })
///     }
///     try await suite.run(scenario)
/// }
/// ```
///
/// The factory returns a new, empty store for each scenario, and a way to open the same
/// storage again, as a restarted process would.
public struct CursorStoreConformanceSuite<Store: CursorStore>: Sendable {
    /// A store under test and how to open its storage again.
    public struct Subject: Sendable {
        /// The store under test, empty.
        public let store: Store
        /// Opens a new store on the same storage: the same file for a persistent store.
        public let reopen: @Sendable () async throws -> Store

        /// A subject whose storage `reopen` opens again.
        ///
        /// - Parameters:
        ///   - store: A new, empty store.
        ///   - reopen: Returns another store on the same storage.
        public init(_ store: Store, reopen: @escaping @Sendable () async throws -> Store) {
            self.store = store
            self.reopen = reopen
        }
    }

    let makeSubject: @Sendable () async throws -> Subject

    /// Creates the suite.
    ///
    /// - Parameter makeSubject: Returns a new, empty store and how to open its storage again.
    public init(makeSubject: @escaping @Sendable () async throws -> Subject) {
        self.makeSubject = makeSubject
    }

    /// Runs one scenario on a new store.
    ///
    /// - Throws: `StoreConformanceFailure` if the store broke the contract, or the error the
    ///   factory or the store threw.
    public func run(_ scenario: CursorStoreScenario) async throws {
        let subject = try await makeSubject()
        let store = subject.store
        let check = Check(scenario: scenario, store: store)
        switch scenario {
        case .unknownCursorIsAbsent:
            try await check.value("orders", is: nil)
            try await check.value("", is: nil)
        case .commitsAdvanceTheCursor:
            try await store.commit("orders", expected: nil, new: "10")
            try await check.value("orders", is: "10")
            try await store.commit("orders", expected: "10", new: "20")
            try await check.value("orders", is: "20")
            try await store.commit("orders", expected: "20", new: "20")
            try await check.value("orders", is: "20")
        case .staleCommitConflicts:
            try await store.commit("orders", expected: nil, new: "10")
            try await store.commit("orders", expected: "10", new: "20")
            try await check.conflict("orders", expected: "10", new: "15", actual: "20")
            try await check.value("orders", is: "20")
        case .expectingPresenceOrAbsenceWronglyConflicts:
            try await check.conflict("orders", expected: "10", new: "20", actual: nil)
            try await check.value("orders", is: nil)
            try await store.commit("orders", expected: nil, new: "10")
            try await check.conflict("orders", expected: nil, new: "5", actual: "10")
            try await check.value("orders", is: "10")
        case .namesAreIndependent:
            try await store.commit("orders", expected: nil, new: "a")
            try await store.commit("orders-2", expected: nil, new: "b")
            try await store.commit("order", expected: nil, new: "c")
            try await store.commit("orders", expected: "a", new: "d")
            try await check.value("orders", is: "d")
            try await check.value("orders-2", is: "b")
            try await check.value("order", is: "c")
            try await check.value("Orders", is: nil)
        case .longAndUnicodeNamesAndValues:
            let pairs = [
                ("pedidos-ñ", "cursor/ñ?after=2026-12-06T10:00:00Z&id=\"7\""),
                ("注文", "🧾" + String(repeating: "x", count: 8_000)),
                (String(repeating: "n", count: 2_000), "v"),
            ]
            for (name, value) in pairs {
                try await store.commit(name, expected: nil, new: value)
            }
            for (name, value) in pairs {
                try await check.value(name, is: value)
            }
            try await check.value("pedidos-n", is: nil)
        case .concurrentCommitsHaveOneWinner:
            try await store.commit("orders", expected: nil, new: "0")
            let won = try await withThrowingTaskGroup(of: String?.self) { tasks in
                for contender in 0..<8 {
                    tasks.addTask {
                        do {
                            try await store.commit("orders", expected: "0", new: "c\(contender)")
                            return "c\(contender)"
                        } catch let error as ChannelAdapterError where error.code == .cursorConflict {
                            return nil
                        }
                    }
                }
                var won: [String] = []
                for try await winner in tasks {
                    if let winner { won.append(winner) }
                }
                return won
            }
            guard won.count == 1 else {
                throw check.failure("\(won.count) of 8 concurrent commits from one cursor succeeded: \(won)")
            }
            try await check.value("orders", is: won[0])
        case .cursorsOutliveTheStore:
            try await store.commit("orders", expected: nil, new: "10")
            let reopened = try await subject.reopen()
            let again = Check(scenario: scenario, store: reopened)
            try await again.value("orders", is: "10")
            try await reopened.commit("orders", expected: "10", new: "20")
            try await check.value("orders", is: "20")
        }
    }

    /// Runs every scenario in turn; stops at the first failure and throws it.
    public func runAll() async throws {
        for scenario in CursorStoreScenario.allCases {
            try await run(scenario)
        }
    }
}

/// A scenario's expectations of its store.
private struct Check<Store: CursorStore> {
    let scenario: CursorStoreScenario
    let store: Store

    func value(_ name: String, is expected: String?, file: String = #fileID, line: Int = #line) async throws {
        let actual = try await store.load(name)
        guard actual == expected else {
            throw failure(
                "cursor \(name.prefix(40).debugDescription) loads as \(describe(actual)), not \(describe(expected))",
                file: file,
                line: line
            )
        }
    }

    func conflict(
        _ name: String,
        expected: String?,
        new: String,
        actual: String?,
        file: String = #fileID,
        line: Int = #line
    ) async throws {
        do {
            try await store.commit(name, expected: expected, new: new)
        } catch let error as ChannelAdapterError where error.code == .cursorConflict {
            guard error.expectedCursor == expected, error.actualCursor == actual else {
                throw failure(
                    "the conflict names expected \(describe(error.expectedCursor)) and actual "
                        + "\(describe(error.actualCursor)), not \(describe(expected)) and \(describe(actual))",
                    file: file,
                    line: line
                )
            }
            return
        }
        throw failure(
            "committing \(new.debugDescription) expecting \(describe(expected)) succeeded although the cursor was "
                + "\(describe(actual))",
            file: file,
            line: line
        )
    }

    func failure(_ reason: String, file: String = #fileID, line: Int = #line) -> StoreConformanceFailure {
        StoreConformanceFailure(scenario: "CursorStore.\(scenario)", reason: reason, file: file, line: line)
    }

    private func describe(_ value: String?) -> String {
        value.map { $0.prefix(40).debugDescription } ?? "nil"
    }
}
