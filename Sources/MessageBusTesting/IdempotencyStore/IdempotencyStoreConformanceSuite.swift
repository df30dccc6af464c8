import MessageBus

/// The behavioural contract of `IdempotencyStore`, as runnable scenarios.
///
/// Every idempotency store runs this suite. It works under Swift Testing and XCTest alike: a
/// scenario returns when the store behaved, and throws ``StoreConformanceFailure`` when it did not.
///
/// ```swift
/// @Test(arguments: IdempotencyStoreScenario.allCases)
/// func conformance(_ scenario: IdempotencyStoreScenario) async throws {
///     let suite = IdempotencyStoreConformanceSuite {
///         let clock = TestClock()
///         return .init(InMemoryIdempotencyStore(clock: clock)) { await clock.advance(by: $0) }
///     }
///     try await suite.run(scenario)
/// }
/// ```
///
/// The factory returns a new, empty store for each scenario, with a way to move the store's
/// time forward: scenarios about retention advance it rather than wait.
public struct IdempotencyStoreConformanceSuite<Store: IdempotencyStore>: Sendable {
    /// A store under test and the hand on its time.
    public struct Subject: Sendable {
        /// The store under test, empty.
        public let store: Store
        /// Moves the store's time forward by a duration.
        public let advanceTime: @Sendable (Duration) async throws -> Void

        /// A subject whose time `advanceTime` moves forward.
        ///
        /// - Parameters:
        ///   - store: A new, empty store.
        ///   - advanceTime: Moves the time the store measures retention on forward by the given
        ///     duration; the store must see the new time when it returns.
        public init(_ store: Store, advanceTime: @escaping @Sendable (Duration) async throws -> Void) {
            self.store = store
            self.advanceTime = advanceTime
        }
    }

    let makeSubject: @Sendable () async throws -> Subject

    /// Creates the suite.
    ///
    /// - Parameter makeSubject: Returns a new, empty store and the hand on its time.
    public init(makeSubject: @escaping @Sendable () async throws -> Subject) {
        self.makeSubject = makeSubject
    }

    /// Runs one scenario on a new store.
    ///
    /// - Throws: ``StoreConformanceFailure`` if the store broke the contract, or the error the
    ///   factory or the store threw.
    public func run(_ scenario: IdempotencyStoreScenario) async throws {
        let subject = try await makeSubject()
        let check = Check(scenario: scenario, store: subject.store)
        switch scenario {
        case .insertedKeyIsPresent:
            try await check.absent("billing/charge/order-1")
            try await subject.store.insert("billing/charge/order-1", retention: .seconds(60))
            try await check.present("billing/charge/order-1")
        case .keysAreDistinct:
            try await subject.store.insert("billing/charge/order-1", retention: .seconds(60))
            for other in ["billing/charge/order-", "billing/charge/order-10", "charge/billing/order-1", "", "billing"] {
                try await check.absent(other)
            }
        case .keyValuesAndTextsAgree:
            try await subject.store.insert(IdempotencyKey("a/b/c"), retention: .seconds(60))
            try await check.present("a/b/c")
            try await subject.store.insert("d/e/f", retention: .seconds(60))
            try await check.present(IdempotencyKey("d/e/f"))
            for (group, handler, id) in [("billing", "charge", "order-1"), ("facturación", "cobro", "pedido-ñ")] {
                let key = IdempotencyKey(group: group, handler: handler, messageID: id)
                try await subject.store.insert(key, retention: .seconds(60))
                try await check.present("\(group)/\(handler)/\(id)")
                try await check.present(IdempotencyKey("\(group)/\(handler)/\(id)"))
                try await check.absent(IdempotencyKey(group: group, handler: handler, messageID: id + "-2"))
            }
        case .longAndUnicodeKeys:
            let keys = [String(repeating: "x", count: 4_000), "facturación/cobro/pedido-ñ", "注文/請求/🧾"]
            for key in keys {
                try await subject.store.insert(key, retention: .seconds(60))
            }
            for key in keys {
                try await check.present(key)
            }
            try await check.absent(String(repeating: "x", count: 3_999))
            try await check.absent("注文/請求/🧾🧾")
        case .keyExpiresAfterItsRetention:
            try await subject.store.insert("a", retention: .seconds(10))
            try await subject.advanceTime(.seconds(9))
            try await check.present("a")
            try await subject.advanceTime(.seconds(1))
            try await check.absent("a")
        case .insertingAgainReplacesTheRetention:
            try await subject.store.insert("a", retention: .seconds(10))
            try await subject.store.insert("a", retention: .seconds(100))
            try await subject.advanceTime(.seconds(20))
            try await subject.store.insert("b", retention: .seconds(10))
            try await check.present("a")
            try await subject.advanceTime(.seconds(80))
            try await check.absent("a")
        case .retentionsAreKeptPerKey:
            try await subject.store.insert("long", retention: .seconds(100))
            try await subject.store.insert("short", retention: .seconds(5))
            try await subject.store.insert("middle", retention: .seconds(50))
            try await subject.advanceTime(.seconds(10))
            try await subject.store.insert("late", retention: .seconds(1_000))
            try await check.absent("short")
            try await check.present("middle")
            try await check.present("long")
            try await subject.advanceTime(.seconds(50))
            try await check.absent("middle")
            try await check.present("long")
            try await check.present("late")
        case .concurrentInsertsAndLookups:
            let store = subject.store
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for task in 0..<8 {
                    tasks.addTask {
                        for index in 0..<50 {
                            try await store.insert("task-\(task)/key-\(index)", retention: .seconds(60))
                            _ = try await store.contains("task-\(7 - task)/key-\(index)")
                        }
                    }
                }
                try await tasks.waitForAll()
            }
            for task in 0..<8 {
                for index in 0..<50 {
                    try await check.present("task-\(task)/key-\(index)")
                }
            }
        }
    }

    /// Runs every scenario in turn; stops at the first failure and throws it.
    public func runAll() async throws {
        for scenario in IdempotencyStoreScenario.allCases {
            try await run(scenario)
        }
    }
}

/// A scenario's expectations of its store.
private struct Check<Store: IdempotencyStore> {
    let scenario: IdempotencyStoreScenario
    let store: Store

    func present(_ key: String, file: String = #fileID, line: Int = #line) async throws {
        guard try await store.contains(key) else {
            throw failure("the inserted key \(key.debugDescription) is absent", file: file, line: line)
        }
    }

    func absent(_ key: String, file: String = #fileID, line: Int = #line) async throws {
        guard try await !store.contains(key) else {
            throw failure("the key \(key.debugDescription) is present", file: file, line: line)
        }
    }

    func present(_ key: IdempotencyKey, file: String = #fileID, line: Int = #line) async throws {
        guard try await store.contains(key) else {
            throw failure(
                "the inserted key \(key.value.debugDescription) is absent as a key value",
                file: file,
                line: line
            )
        }
    }

    func absent(_ key: IdempotencyKey, file: String = #fileID, line: Int = #line) async throws {
        guard try await !store.contains(key) else {
            throw failure("the key \(key.value.debugDescription) is present as a key value", file: file, line: line)
        }
    }

    private func failure(_ reason: String, file: String, line: Int) -> StoreConformanceFailure {
        StoreConformanceFailure(
            scenario: "IdempotencyStore.\(scenario)",
            reason: reason,
            file: file,
            line: line
        )
    }
}
