import ChannelAdapterSQLite
import Foundation
import Logging
import MessageBus
import MessageBusTesting
import Messaging
import ServiceLifecycle
import Testing

@testable import ChannelAdapter

@Suite("Polling lease")
struct LeaseTests {
    static let orders = (1...10).map { PurchaseOrder(id: "po-\($0)", product: "pallet \($0)") }

    static func adapter(
        _ source: ListSource<PurchaseOrder>,
        harness: BusHarness,
        cursors: any CursorStore,
        instance: String,
        time: ManualTime,
        clock: RecordingClock = RecordingClock()
    ) throws -> PollingAdapter<ListSource<PurchaseOrder>> {
        try PollingAdapter(
            source: source,
            bus: harness.bus,
            cursors: cursors,
            configuration: PollingConfiguration(
                name: "erp-orders",
                topic: "purchase-orders",
                lease: .seconds(30),
                instance: instance
            ),
            clock: clock,
            now: { time.now }
        )
    }

    @Test(arguments: ["one in-memory store", "one SQLite file"])
    func twoLiveInstancesNeverPublishTheSamePage(_ sharing: String) async throws {
        let harness = BusHarness()
        let source = ListSource(Self.orders, pageSize: 3)
        let database = SQLiteCursorStoreTests.TemporaryDatabase()
        let memory = InMemoryCursorStore()
        let stores: [any CursorStore] =
            sharing == "one SQLite file"
            ? [try SQLiteCursorStore(path: database.path), try SQLiteCursorStore(path: database.path)]
            : [memory, memory]
        let time = ManualTime()
        let first = try Self.adapter(source, harness: harness, cursors: stores[0], instance: "a", time: time)
        let second = try Self.adapter(source, harness: harness, cursors: stores[1], instance: "b", time: time)
        var reports: [(first: PollReport, second: PollReport)] = []
        for _ in 0..<6 {
            async let one = first.pollOnce()
            async let two = second.pollOnce()
            reports.append(try await (one, two))
            time.advance(by: .seconds(10))
        }
        // One instance took the lease and kept it by polling; the other stood by every time.
        let holderReports = reports.map { $0.first.stoodBy ? $0.second : $0.first }
        #expect(reports.allSatisfy { $0.first.stoodBy != $0.second.stoodBy })
        #expect(Set(reports.map { $0.first.stoodBy }).count == 1)
        #expect(holderReports.map(\.published) == [3, 3, 3, 1, 0, 0])
        let ids = harness.published(to: "purchase-orders").map(\.id)
        #expect(ids == Self.orders.map { "erp-orders/\($0.id)" })
    }

    @Test func aLapsedLeaseIsTakenOverAndTheDeadHoldersPageIsPolledAgain() async throws {
        let harness = BusHarness()
        let handled = try PollingAdapterTests.idempotentConsumer(on: harness)
        let source = ListSource(Self.orders, pageSize: 4)
        let store = InMemoryCursorStore()
        let time = ManualTime()
        let dying = try Self.adapter(
            source,
            harness: harness,
            cursors: CrashingCursorStore(store, crashingOnNext: 1),
            instance: "a",
            time: time
        )
        let survivor = try Self.adapter(source, harness: harness, cursors: store, instance: "b", time: time)
        try await harness.run {
            await #expect(throws: ChannelAdapterError.self) {
                try await dying.pollOnce()
            }
            #expect(try await survivor.pollOnce().stoodBy)
            time.advance(by: .milliseconds(29_999))
            #expect(try await survivor.pollOnce().stoodBy)
            time.advance(by: .milliseconds(1))
            #expect(
                try await survivor.pollOnce() == PollReport(polled: 4, published: 4, previousCursor: nil, cursor: "4")
            )
            #expect(try await dying.pollOnce().stoodBy)
            while try await survivor.pollOnce().polled > 0 {}
            try await harness.waitUntilHandled("purchase-orders", group: "inventory")
        }
        #expect(harness.published(to: "purchase-orders").count == 14)
        #expect(handled.all.sorted() == Self.orders.map { "erp-orders/\($0.id)" }.sorted())
        #expect(try await store.load("erp-orders") == "10")
    }

    @Test func gracefulShutdownGivesTheLeaseUp() async throws {
        let harness = BusHarness()
        let source = ListSource(Self.orders)
        let store = InMemoryCursorStore()
        let time = ManualTime()
        let clock = RecordingClock()
        let leaving = try Self.adapter(
            source,
            harness: harness,
            cursors: store,
            instance: "a",
            time: time,
            clock: clock
        )
        let staying = try Self.adapter(source, harness: harness, cursors: store, instance: "b", time: time)
        try await withRunningServices([leaving], logger: Logger(label: "test")) {
            try await eventually("the leaving instance waits after its polls") { clock.sleeps.count == 1 }
            #expect(try await staying.pollOnce().stoodBy)
        }
        let report = try await staying.pollOnce()
        #expect(!report.stoodBy)
        #expect(report.previousCursor == "10")
    }

    @Test func anUnreadableLeaseRecordIsTakenOver() async throws {
        let store = InMemoryCursorStore(["erp-orders/lease": "held by someone"])
        let adapter = try Self.adapter(
            ListSource(Self.orders),
            harness: BusHarness(),
            cursors: store,
            instance: "a",
            time: ManualTime()
        )
        #expect(try await adapter.pollOnce().published == 10)
        #expect(try await store.load("erp-orders/lease").flatMap(PollingLease.init)?.instance == "a")
    }

    @Test func aLeaseIsRecordedAsItsExpiryAndInstance() throws {
        let lease = PollingLease(instance: "erp adapter 1", expiry: Date(timeIntervalSince1970: 1_000_030.5))
        #expect(lease.text == "1000030.5 erp adapter 1")
        #expect(PollingLease(lease.text) == lease)
        #expect(PollingLease("") == nil)
        #expect(PollingLease("soon erp") == nil)
        #expect(PollingLease("1000") == nil)
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(lease.excludes("erp adapter 2", at: now))
        #expect(!lease.excludes("erp adapter 1", at: now))
        #expect(!lease.excludes("erp adapter 2", at: Date(timeIntervalSince1970: 1_000_030.5)))
    }

    @Test func theLeaseHasACursorNoAdapterCanTake() {
        let configuration = PollingConfiguration(name: "erp-orders", topic: "purchase-orders")
        #expect(configuration.leaseName == "erp-orders/lease")
        #expect(configuration.lease == .seconds(30))
        #expect(PollingConfiguration(name: "erp-orders", topic: "t").instance != configuration.instance)
    }
}
