import ChannelAdapter
import ChannelAdapterSQLite
import Foundation
import MessageBus
import MessageBusTesting
import Messaging
import Metrics
import MetricsTestKit
import Testing

@Suite("Polling adapter")
struct PollingAdapterTests {
    static let orders = (1...5).map { PurchaseOrder(id: "po-\($0)", product: "pallet \($0)") }

    static func adapter<Source: PollingSource>(
        _ source: Source,
        harness: BusHarness,
        cursors: any CursorStore = InMemoryCursorStore(),
        name: String = "erp-orders",
        lease: Duration? = .seconds(30),
        instance: String = UUID().uuidString,
        metrics: TestMetrics? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) throws -> PollingAdapter<Source> {
        try PollingAdapter(
            source: source,
            bus: harness.bus,
            cursors: cursors,
            configuration: PollingConfiguration(name: name, topic: "purchase-orders", lease: lease, instance: instance),
            now: now,
            metricsFactory: metrics
        )
    }

    /// Adds a handler behind an idempotent receiver on `purchase-orders` that collects the ids
    /// it handles.
    static func idempotentConsumer(on harness: BusHarness) throws -> Collector<String> {
        let handled = Collector<String>()
        try harness.bus.consume(
            from: "purchase-orders",
            group: "inventory",
            middleware: [IdempotentReceiver(store: InMemoryIdempotencyStore())]
        ) { message, _ in
            handled.append(message.id)
        }
        return handled
    }

    // MARK: - Publishing

    @Test func eachItemIsPublishedUnderAnIDDerivedFromItsIdentityAndTheCursorFollows() async throws {
        let harness = BusHarness()
        let source = ListSource(Self.orders, pageSize: 2)
        let cursors = InMemoryCursorStore()
        let adapter = try Self.adapter(source, harness: harness, cursors: cursors)

        let first = try await adapter.pollOnce()
        #expect(first == PollReport(polled: 2, published: 2, previousCursor: nil, cursor: "2"))
        #expect(try await cursors.load("erp-orders") == "2")
        _ = try await adapter.pollOnce()
        let last = try await adapter.pollOnce()
        #expect(last == PollReport(polled: 1, published: 1, previousCursor: "4", cursor: "5"))
        let idle = try await adapter.pollOnce()
        #expect(idle == PollReport(polled: 0, published: 0, previousCursor: "5", cursor: "5"))
        #expect(source.polls == [nil, "2", "4", "5"])

        let published = harness.published(to: "purchase-orders")
        #expect(published.map(\.id) == Self.orders.map { "erp-orders/\($0.id)" })
        #expect(published.map(\.subject) == Self.orders.map(\.id))
        #expect(published.map(\.key) == Self.orders.map(\.id))
        #expect(published.allSatisfy { $0.type == PurchaseOrder.messageType })
        #expect(try published.map { try $0.decode(PurchaseOrder.self) } == Self.orders)
    }

    @Test func theSameItemGetsTheSameIDAtEveryPollAndOnEveryInstance() throws {
        let configuration = PollingConfiguration(name: "erp-orders", topic: "purchase-orders")
        #expect(configuration.messageID(for: "po-1") == "erp-orders/po-1")
        #expect(configuration.messageID(for: "po-1") == configuration.messageID(for: "po-1"))
        #expect(configuration.messageID(for: "po-1") != configuration.messageID(for: "po-2"))
        let other = PollingConfiguration(name: "crm-orders", topic: "purchase-orders")
        #expect(other.messageID(for: "po-1") != configuration.messageID(for: "po-1"))
    }

    @Test func outgoingMiddlewareAppliesToPolledItems() async throws {
        struct Stamp: OutgoingMiddleware {
            func publish(_ messages: [Message], to topic: String, context: OutgoingContext, next: NextPublisher)
                async throws -> [Message]
            {
                let stamped = messages.map { message in
                    var message = message
                    message.headers["stamped"] = "yes"
                    return message
                }
                return try await next(stamped, topic, context)
            }
        }
        let harness = BusHarness(outgoing: [Stamp()])
        let adapter = try Self.adapter(ListSource(Self.orders), harness: harness)
        _ = try await adapter.pollOnce()
        #expect(
            harness.published(to: "purchase-orders").map { $0.headers["stamped"] } == Array(repeating: "yes", count: 5)
        )
    }

    @Test func aBadNameOrLeaseIsRefused() {
        for (name, lease) in [("", Duration.seconds(30)), ("erp/orders", .seconds(30)), ("erp-orders", .zero)] {
            #expect {
                try Self.adapter(ListSource<PurchaseOrder>(), harness: BusHarness(), name: name, lease: lease)
            } throws: { error in
                (error as? ChannelAdapterError)?.code == .invalidConfiguration
            }
        }
        let error = #expect(throws: ChannelAdapterError.self) {
            try PollingAdapter(
                source: ListSource<PurchaseOrder>(),
                bus: BusHarness().bus,
                cursors: InMemoryCursorStore(),
                configuration: PollingConfiguration(name: "erp-orders", topic: "orders", failuresBeforeNotifying: 0)
            )
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.reason.contains("failuresBeforeNotifying is 0") == true)
    }

    // MARK: - Crashes and restarts

    @Test func aCrashBeforeTheCommitRepollsThePageAndDownstreamHandlesEachItemOnce() async throws {
        let harness = BusHarness()
        let handled = try Self.idempotentConsumer(on: harness)
        let source = ListSource(Self.orders, pageSize: 3)
        let durable = InMemoryCursorStore()
        try await harness.run {
            // The first process publishes the first page and dies before committing its cursor.
            // The instance keeps its name across the restart, so it takes its own lease back at once.
            let crashing = try Self.adapter(
                source,
                harness: harness,
                cursors: CrashingCursorStore(durable, crashingOnNext: 1),
                instance: "erp-adapter-1"
            )
            await #expect {
                try await crashing.pollOnce()
            } throws: { error in
                (error as? ChannelAdapterError)?.code == .storeFailed && error is ChannelAdapterError
            }
            #expect(try await durable.load("erp-orders") == nil)
            #expect(harness.published(to: "purchase-orders").count == 3)

            // After the restart, a new adapter on the same store reads the page again.
            let restarted = try Self.adapter(source, harness: harness, cursors: durable, instance: "erp-adapter-1")
            #expect(try await restarted.pollOnce().previousCursor == nil)
            #expect(try await restarted.pollOnce().cursor == "5")
            #expect(try await restarted.pollOnce().polled == 0)
            try await harness.waitUntilHandled("purchase-orders", group: "inventory")
        }
        let ids = harness.published(to: "purchase-orders").map(\.id)
        #expect(ids.count == 8)
        #expect(Set(ids) == Set(Self.orders.map { "erp-orders/\($0.id)" }))
        // Items of different keys may be handled in any order; each is handled once.
        #expect(handled.all.sorted() == Self.orders.map { "erp-orders/\($0.id)" })
        #expect(source.polls == [nil, nil, "3", "5"])
    }

    // MARK: - Instances sharing a cursor

    /// Two instances without a lease, on one store or each on its own connection to one SQLite
    /// file: the compare-and-set of the cursor alone.
    @Test(arguments: ["one in-memory store", "one SQLite file"])
    func twoInstancesRacingOnOneCursorPublishUnderTheSameIDsAndOneCommitConflicts(_ sharing: String) async throws {
        let harness = BusHarness()
        let handled = try Self.idempotentConsumer(on: harness)
        let source = ListSource(Self.orders, pageSize: 3, barrier: Barrier(count: 2))
        let database = SQLiteCursorStoreTests.TemporaryDatabase()
        let memory = InMemoryCursorStore()
        let stores: [any CursorStore] =
            sharing == "one SQLite file"
            ? [try SQLiteCursorStore(path: database.path), try SQLiteCursorStore(path: database.path)]
            : [memory, memory]
        let cursors = stores[0]
        let first = try Self.adapter(source, harness: harness, cursors: stores[0], lease: nil)
        let second = try Self.adapter(source, harness: harness, cursors: stores[1], lease: nil)
        try await harness.run {
            // Both load the same cursor and poll the same page before either commits.
            async let one = Result(catching: { try await first.pollOnce() })
            async let two = Result(catching: { try await second.pollOnce() })
            let results = await [one, two]
            let reports = results.compactMap { try? $0.get() }
            let conflicts = results.compactMap { result -> ChannelAdapterError? in
                guard case .failure(let error) = result else { return nil }
                return error as? ChannelAdapterError
            }
            #expect(reports == [PollReport(polled: 3, published: 3, previousCursor: nil, cursor: "3")])
            #expect(conflicts.map(\.code) == [.cursorConflict])
            #expect(conflicts.first?.expectedCursor == nil)
            #expect(conflicts.first?.actualCursor == "3")
            #expect(conflicts.first?.isRetriable == true)

            // The loser continues from the winner's cursor.
            #expect(
                try await second.pollOnce() == PollReport(polled: 2, published: 2, previousCursor: "3", cursor: "5")
            )
            #expect(try await first.pollOnce().polled == 0)
            try await harness.waitUntilHandled("purchase-orders", group: "inventory")
        }
        let ids = harness.published(to: "purchase-orders").map(\.id)
        #expect(ids.count == 8)
        #expect(Set(ids) == Set(Self.orders.map { "erp-orders/\($0.id)" }))
        #expect(Set(handled.all) == Set(Self.orders.map { "erp-orders/\($0.id)" }))
        #expect(handled.count == 5)
        #expect(try await cursors.load("erp-orders") == "5")
    }

    // MARK: - Bad source data

    @Test(arguments: [
        (
            "an item without identity", [Row(identity: "a"), Row(identity: "")], "9" as String?,
            ChannelAdapterError.Code.invalidPage
        ),
        ("an item twice", [Row(identity: "a"), Row(identity: "a")], "9", .invalidPage),
        ("items without a cursor", [Row(identity: "a")], nil, .invalidPage),
        ("items with the cursor unmoved", [Row(identity: "a")], "4", .invalidPage),
        (
            "an item that cannot be encoded", [Row(identity: "a"), Row(identity: "b", encodable: false)], "9",
            .invalidItem
        ),
    ])
    func aBadPagePublishesNothingAndLeavesTheCursor(
        _ what: String,
        items: [Row],
        nextCursor: String?,
        code: ChannelAdapterError.Code
    ) async throws {
        let metrics = TestMetrics()
        let harness = BusHarness()
        let source = ListSource<Row>()
        source.answer([PolledPage(items, nextCursor: nextCursor)])
        let cursors = InMemoryCursorStore(["rows": "4"])
        let adapter = try Self.adapter(source, harness: harness, cursors: cursors, name: "rows", metrics: metrics)
        await #expect {
            try await adapter.pollOnce()
        } throws: { error in
            guard let error = error as? ChannelAdapterError else { return false }
            return error.code == code && error.adapter == "rows" && !error.isRetriable
        }
        #expect(harness.published.isEmpty, "\(what)")
        #expect(try await cursors.load("rows") == "4")
        let errors = try metrics.expectCounter(
            "channel_adapter_errors_total",
            [("adapter", "rows"), ("reason", code.name)]
        )
        #expect(errors.totalValue == 1)
    }

    @Test func anUnencodableItemIsNamed() async throws {
        let source = ListSource([Row(identity: "a"), Row(identity: "row-7", encodable: false)])
        let adapter = try Self.adapter(source, harness: BusHarness(), name: "rows")
        await #expect {
            try await adapter.pollOnce()
        } throws: { error in
            let error = error as? ChannelAdapterError
            return error?.item == "row-7" && error?.underlying is Row.Unencodable
                && "\(error!)".contains("row-7")
        }
    }

    @Test func aSourceFailureIsWrappedWithItsClassification() async throws {
        let source = ListSource<PurchaseOrder>()
        source.fail(with: [
            MessagingError(.transportFailure, "ERP down", isRetriable: true),
            ChannelAdapterError(.rejected, "bad request", isRetriable: false),
        ])
        let adapter = try Self.adapter(source, harness: BusHarness())
        for retriable in [true, false] {
            await #expect {
                try await adapter.pollOnce()
            } throws: { error in
                let error = error as? ChannelAdapterError
                return error?.code == .sourceFailed && error?.isRetriable == retriable && error?.underlying != nil
            }
        }
    }

    @Test func cancellationPropagatesUnwrapped() async throws {
        let source = ListSource<PurchaseOrder>()
        source.fail(with: [CancellationError()])
        let adapter = try Self.adapter(source, harness: BusHarness())
        await #expect(throws: CancellationError.self) {
            try await adapter.pollOnce()
        }
    }

    // MARK: - Metrics

    @Test func pollsPublicationsAndTheAgeOfTheNewestItemAreMeasured() async throws {
        let metrics = TestMetrics()
        let harness = BusHarness()
        let source = ListSource(Self.orders, pageSize: 3)
        let now = Date(timeIntervalSince1970: 1_000_000)
        source.setNewestItemTime(now.addingTimeInterval(-42))
        let adapter = try Self.adapter(source, harness: harness, metrics: metrics, now: { now })
        _ = try await adapter.pollOnce()
        _ = try await adapter.pollOnce()
        _ = try await adapter.pollOnce()
        let dimensions = [("adapter", "erp-orders")]
        #expect(try metrics.expectCounter("channel_adapter_polled_total", dimensions).totalValue == 5)
        #expect(try metrics.expectCounter("channel_adapter_published_total", dimensions).totalValue == 5)
        #expect(try metrics.expectGauge("channel_adapter_newest_item_age_seconds", dimensions).lastValue == 42)
    }
}

extension Result where Failure == any Error {
    /// The result of `body`.
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
