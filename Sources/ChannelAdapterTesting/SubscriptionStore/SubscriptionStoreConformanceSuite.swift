import ChannelAdapter
import MessageBusTesting

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The behavioural contract of `SubscriptionStore`, as runnable scenarios.
///
/// Every subscription store runs this suite. It works under Swift Testing and XCTest alike: a
/// scenario returns when the store behaved, and throws `StoreConformanceFailure` when it did not.
///
/// ```swift
/// @Test(arguments: SubscriptionStoreScenario.allCases)
/// func conformance(_ scenario: SubscriptionStoreScenario) async throws {
///     let suite = SubscriptionStoreConformanceSuite {
///         let shared = InMemorySubscriptionStore()
///         return .init(shared, reopen: { shared })
///     }
///     try await suite.run(scenario)
/// }
/// ```
public struct SubscriptionStoreConformanceSuite<Store: SubscriptionStore>: Sendable {
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
    public func run(_ scenario: SubscriptionStoreScenario) async throws {
        let subject = try await makeSubject()
        let store = subject.store
        let check = SubscriptionCheck(scenario: scenario)
        let first = Self.subscription("sub_1", types: ["order.created"], at: 1_000)
        let second = Self.subscription("sub_2", types: ["order.created", "order.cancelled"], at: 2_000)
        let every = Self.subscription("sub_3", types: [WebhookSubscription.allEvents], at: 3_000)
        switch scenario {
        case .registeredSubscriptionsAreKeptExactly:
            let unusual = WebhookSubscription(
                id: "sub_ñ",
                url: "https://example.com/hooks?tenant=ñ&x=\"1\"",
                eventTypes: ["pedido.creado", "注文"],
                secret: "whsec_" + String(repeating: "A", count: 44),
                createdAt: Date(timeIntervalSince1970: 1_765_000_000.5)
            )
            try await store.register(unusual)
            try check.equal(try await store.subscription("sub_ñ"), unusual, "the subscription read back")
            try check.equal(try await store.list(), [unusual], "the list")
            try check.equal(try await store.subscription("sub_n"), nil, "an unknown id")
        case .listIsOldestFirst:
            try await store.register(every)
            try await store.register(first)
            try await store.register(second)
            try check.equal(try await store.list().map(\.id), ["sub_1", "sub_2", "sub_3"], "the list")
        case .eventTypesSelectSubscriptions:
            for subscription in [first, second, every] {
                try await store.register(subscription)
            }
            try check.equal(
                try await store.subscriptions(for: "order.created").map(\.id),
                ["sub_1", "sub_2", "sub_3"],
                "the subscriptions of order.created"
            )
            try check.equal(
                try await store.subscriptions(for: "order.cancelled").map(\.id),
                ["sub_2", "sub_3"],
                "the subscriptions of order.cancelled"
            )
            try check.equal(
                try await store.subscriptions(for: "order").map(\.id),
                ["sub_3"],
                "the subscriptions of order"
            )
        case .duplicateIDsAreRefused:
            try await store.register(first)
            var again = second
            again.id = first.id
            try await check.throwsCode(.duplicateSubscription) { try await store.register(again) }
            try check.equal(try await store.list(), [first], "the list")
        case .incompleteSubscriptionsAreRefused:
            var noID = first
            noID.id = ""
            var noURL = first
            noURL.url = ""
            var noTypes = first
            noTypes.eventTypes = []
            for incomplete in [noID, noURL, noTypes] {
                try await check.throwsCode(.invalidConfiguration) { try await store.register(incomplete) }
            }
            try check.equal(try await store.list(), [], "the list")
        case .disabledSubscriptionsGetNoEvents:
            try await store.register(first)
            try await store.register(second)
            let time = Date(timeIntervalSince1970: 5_000)
            try await store.disable("sub_1", reason: "its endpoint answered 410 Gone", at: time)
            let disabled = try await store.subscription("sub_1")
            try check.equal(disabled?.disabledReason, "its endpoint answered 410 Gone", "the disabled reason")
            try check.equal(disabled?.disabledAt, time, "the time of disabling")
            try check.equal(disabled?.isEnabled, false, "whether it is enabled")
            try check.equal(try await store.list().count, 2, "the number listed")
            try check.equal(
                try await store.subscriptions(for: "order.created").map(\.id),
                ["sub_2"],
                "the subscriptions of order.created"
            )
        case .deletionRemovesAndUnknownIDsThrow:
            try await store.register(first)
            try await store.register(second)
            try await store.delete("sub_1")
            try check.equal(try await store.subscription("sub_1"), nil, "a deleted subscription")
            try check.equal(try await store.list().map(\.id), ["sub_2"], "the list")
            try await check.throwsCode(.subscriptionNotFound) { try await store.delete("sub_1") }
            try await check.throwsCode(.subscriptionNotFound) {
                try await store.disable("sub_9", reason: "gone", at: Date())
            }
        case .subscriptionsOutliveTheStore:
            try await store.register(first)
            try await store.register(second)
            try await store.disable(
                "sub_2",
                reason: "its endpoint answered 410 Gone",
                at: Date(timeIntervalSince1970: 9)
            )
            let reopened = try await subject.reopen()
            try check.equal(try await reopened.list(), try await store.list(), "the list after reopening")
            try check.equal(
                try await reopened.subscriptions(for: "order.created").map(\.id),
                ["sub_1"],
                "the subscriptions of order.created after reopening"
            )
        }
    }

    /// Runs every scenario in turn; stops at the first failure and throws it.
    public func runAll() async throws {
        for scenario in SubscriptionStoreScenario.allCases {
            try await run(scenario)
        }
    }

    private static func subscription(_ id: String, types: Set<String>, at seconds: Double) -> WebhookSubscription {
        WebhookSubscription(
            id: id,
            url: "https://example.com/hooks/\(id)",
            eventTypes: types,
            secret: "whsec_" + String(repeating: "B", count: 44),
            createdAt: Date(timeIntervalSince1970: seconds)
        )
    }
}

/// A scenario's expectations of its store.
private struct SubscriptionCheck {
    let scenario: SubscriptionStoreScenario

    func equal<Value: Equatable>(
        _ actual: Value,
        _ expected: Value,
        _ what: String,
        file: String = #fileID,
        line: Int = #line
    ) throws {
        guard actual == expected else {
            throw failure("\(what) is \(actual), not \(expected)", file: file, line: line)
        }
    }

    func throwsCode(
        _ code: ChannelAdapterError.Code,
        file: String = #fileID,
        line: Int = #line,
        _ body: () async throws -> Void
    ) async throws {
        do {
            try await body()
        } catch let error as ChannelAdapterError where error.code == code {
            return
        } catch {
            throw failure("threw \(error) instead of \(code)", file: file, line: line)
        }
        throw failure("succeeded instead of throwing \(code)", file: file, line: line)
    }

    func failure(_ reason: String, file: String = #fileID, line: Int = #line) -> StoreConformanceFailure {
        StoreConformanceFailure(scenario: "SubscriptionStore.\(scenario)", reason: reason, file: file, line: line)
    }
}
