import ChannelAdapter
import Logging
import MessageBus
import MessageBusTesting
import Messaging
import MetricsTestKit
import ServiceLifecycle
import Synchronization
import Testing

@Suite("Polling adapter as a service")
struct PollingServiceTests {
    static func adapter(
        _ source: ListSource<PurchaseOrder>,
        harness: BusHarness,
        clock: RecordingClock,
        cursors: any CursorStore = InMemoryCursorStore(),
        idle: Duration = .seconds(1),
        metrics: TestMetrics = TestMetrics()
    ) throws -> PollingAdapter<ListSource<PurchaseOrder>> {
        try PollingAdapter(
            source: source,
            bus: harness.bus,
            cursors: cursors,
            configuration: PollingConfiguration(
                name: "erp-orders",
                topic: "purchase-orders",
                idleBackoff: Backoff(initial: idle, maximum: .seconds(8), jitter: 0),
                failureBackoff: Backoff(initial: .seconds(1), maximum: .seconds(60), jitter: 0)
            ),
            clock: clock,
            metricsFactory: metrics
        )
    }

    /// Waits until the adapter asked for its `count`th wait.
    static func waitForSleep(_ count: Int, on clock: RecordingClock) async throws {
        try await eventually("the adapter waits for the \(count)th time") { clock.sleeps.count == count }
    }

    @Test func idleWaitsGrowAndResetOnceItemsArrive() async throws {
        let clock = RecordingClock()
        let harness = BusHarness()
        let source = ListSource<PurchaseOrder>()
        let adapter = try Self.adapter(source, harness: harness, clock: clock)
        try await harness.run {
            try await withRunningServices([adapter], logger: Logger(label: "test")) {
                for (index, wait) in [1, 2, 4, 8, 8].enumerated() {
                    try await Self.waitForSleep(index + 1, on: clock)
                    #expect(clock.sleeps.last == .seconds(wait))
                    #expect(source.polls.count == index + 1)
                    if index == 4 {
                        source.append([PurchaseOrder(id: "po-1", product: "pallet")])
                    }
                    await clock.advance(by: .seconds(wait))
                }
                // The poll that finds the item is followed by another at once, which finds
                // nothing and waits the first idle wait again.
                try await Self.waitForSleep(6, on: clock)
                #expect(clock.sleeps.last == .seconds(1))
                #expect(source.polls.suffix(2) == [nil, "1"])
            }
        }
        #expect(clock.sleeps == [1, 2, 4, 8, 8, 1].map { .seconds($0) })
        #expect(harness.published(to: "purchase-orders").map(\.id) == ["erp-orders/po-1"])
    }

    @Test func failureWaitsGrowAndResetOnceAPollSucceeds() async throws {
        let clock = RecordingClock()
        let metrics = TestMetrics()
        let harness = BusHarness()
        let source = ListSource<PurchaseOrder>()
        source.fail(with: (0..<3).map { _ in MessagingError(.transportFailure, "ERP down", isRetriable: true) })
        let adapter = try Self.adapter(source, harness: harness, clock: clock, idle: .seconds(5), metrics: metrics)
        try await harness.run {
            try await withRunningServices([adapter], logger: Logger(label: "test")) {
                for (index, wait) in [1, 2, 4].enumerated() {
                    try await Self.waitForSleep(index + 1, on: clock)
                    #expect(clock.sleeps.last == .seconds(wait))
                    await clock.advance(by: .seconds(wait))
                }
                // The poll after the third failure succeeds, finding nothing: an idle wait.
                try await Self.waitForSleep(4, on: clock)
                #expect(clock.sleeps.last == .seconds(5))
                // A new failure starts the failure waits over.
                source.fail(with: [MessagingError(.transportFailure, "ERP down again", isRetriable: true)])
                await clock.advance(by: .seconds(5))
                try await Self.waitForSleep(5, on: clock)
            }
        }
        #expect(clock.sleeps == [1, 2, 4, 5, 1].map { .seconds($0) })
        let errors = try metrics.expectCounter(
            "channel_adapter_errors_total",
            [("adapter", "erp-orders"), ("reason", "sourceFailed")]
        )
        #expect(errors.totalValue == 4)
    }

    @Test func anOutageIsNotifiedOnceWhenItLastsAndItsEndOnce() async throws {
        let clock = RecordingClock()
        let harness = BusHarness()
        let source = ListSource<PurchaseOrder>()
        source.fail(with: (0..<4).map { _ in MessagingError(.transportFailure, "ERP down", isRetriable: true) })
        let adapter = try Self.adapter(source, harness: harness, clock: clock, idle: .seconds(5))
        try await withRunningServices([adapter], logger: Logger(label: "test")) {
            for (index, wait) in [1, 2].enumerated() {
                try await Self.waitForSleep(index + 1, on: clock)
                #expect(harness.notifications.isEmpty)
                await clock.advance(by: .seconds(wait))
            }
            // The third failure in a row is the one the default configuration notifies.
            try await Self.waitForSleep(3, on: clock)
            #expect(harness.notifications.map(\.kind) == [.pollingFailed])
            await clock.advance(by: .seconds(4))
            try await Self.waitForSleep(4, on: clock)
            #expect(harness.notifications.count == 1)
            // The poll after the fourth failure succeeds.
            await clock.advance(by: .seconds(8))
            try await Self.waitForSleep(5, on: clock)
            #expect(harness.notifications.map(\.kind) == [.pollingFailed, .pollingRecovered])
        }
        let failed = try #require(harness.notifications.first)
        #expect(failed.handler == "erp-orders")
        #expect(failed.topic == "purchase-orders")
        #expect(failed.reason == "sourceFailed")
        #expect(failed.attempts == 3)
        #expect(failed.error?.contains("ERP down") == true)
        #expect(harness.notifications.last?.attempts == 4)
    }

    @Test func aFailureThatTryingAgainCannotFixIsNotifiedAtOnce() async throws {
        let clock = RecordingClock()
        let harness = BusHarness()
        let source = ListSource<PurchaseOrder>()
        source.fail(with: [MessagingError(.transportFailure, "the ERP refused the credentials", isRetriable: false)])
        let adapter = try Self.adapter(source, harness: harness, clock: clock)
        try await withRunningServices([adapter], logger: Logger(label: "test")) {
            try await Self.waitForSleep(1, on: clock)
            #expect(harness.notifications.map(\.kind) == [.pollingFailed])
            #expect(harness.notifications.first?.attempts == 1)
            await clock.advance(by: .seconds(1))
            try await Self.waitForSleep(2, on: clock)
            #expect(harness.notifications.map(\.kind) == [.pollingFailed, .pollingRecovered])
        }
    }

    @Test func aBacklogIsDrainedWithoutWaiting() async throws {
        let clock = RecordingClock()
        let harness = BusHarness()
        let source = ListSource((1...250).map { PurchaseOrder(id: "po-\($0)", product: "p") }, pageSize: 100)
        let adapter = try Self.adapter(source, harness: harness, clock: clock)
        try await harness.run {
            try await withRunningServices([adapter], logger: Logger(label: "test")) {
                try await Self.waitForSleep(1, on: clock)
            }
        }
        #expect(source.polls == [nil, "100", "200", "250"])
        #expect(clock.sleeps == [.seconds(1)])
        #expect(harness.published(to: "purchase-orders").count == 250)
    }

    @Test func aConflictIsFollowedByAPollFromTheWinnersCursorWithoutWaiting() async throws {
        let clock = RecordingClock()
        let metrics = TestMetrics()
        let harness = BusHarness()
        let source = ListSource((1...3).map { PurchaseOrder(id: "po-\($0)", product: "p") })
        let cursors = OvertakenCursorStore()
        let adapter = try Self.adapter(source, harness: harness, clock: clock, cursors: cursors, metrics: metrics)
        try await withRunningServices([adapter], logger: Logger(label: "test")) {
            try await Self.waitForSleep(1, on: clock)
        }
        #expect(source.polls == [nil, "3"])
        #expect(clock.sleeps == [.seconds(1)])
        let conflicts = try metrics.expectCounter(
            "channel_adapter_errors_total",
            [("adapter", "erp-orders"), ("reason", "cursorConflict")]
        )
        #expect(conflicts.totalValue == 1)
    }

    @Test func cancellationEndsTheServiceWithCancellationError() async throws {
        let clock = RecordingClock()
        let adapter = try Self.adapter(ListSource(), harness: BusHarness(), clock: clock)
        let running = Task { try await adapter.run() }
        try await Self.waitForSleep(1, on: clock)
        running.cancel()
        await #expect(throws: CancellationError.self) {
            try await running.value
        }
    }

    @Test func gracefulShutdownFinishesThePageInHand() async throws {
        let clock = RecordingClock()
        let harness = BusHarness()
        let release = Barrier(count: 2)
        let source = ListSource((1...3).map { PurchaseOrder(id: "po-\($0)", product: "p") }, barrier: release)
        let cursors = InMemoryCursorStore()
        let adapter = try Self.adapter(source, harness: harness, clock: clock, cursors: cursors)
        let group = ServiceGroup(services: [adapter], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await eventually("the adapter is polling") { source.polls.count == 1 }
            await group.triggerGracefulShutdown()
            await release.arrive()
            try await tasks.waitForAll()
        }
        #expect(harness.published(to: "purchase-orders").count == 3)
        #expect(try await cursors.load("erp-orders") == "3")
        #expect(source.polls.count == 1)
        #expect(clock.sleeps.isEmpty)
    }
}

/// A cursor store in which another instance commits the page of `erp-orders` first, once.
final class OvertakenCursorStore: CursorStore {
    let store = InMemoryCursorStore()
    private let overtaken = Mutex(false)

    func load(_ name: String) async throws -> String? {
        try await store.load(name)
    }

    func commit(_ name: String, expected: String?, new: String) async throws {
        let first =
            name == "erp-orders"
            && overtaken.withLock { overtaken in
                defer { overtaken = true }
                return !overtaken
            }
        if first {
            try await store.commit(name, expected: expected, new: new)
        }
        try await store.commit(name, expected: expected, new: new)
    }
}
