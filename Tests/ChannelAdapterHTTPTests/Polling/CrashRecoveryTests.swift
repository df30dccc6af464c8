import ChannelAdapter
import ChannelAdapterHTTP
import Hummingbird
import MessageBus
import MessageBusTesting
import Messaging
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

@Suite("Polling an HTTP API through a crash")
struct CrashRecoveryTests {
    /// The process died between publishing a page and committing its cursor.
    struct Crash: Error {}

    /// A cursor store whose commits of `cursor` crash while `crashes` lasts.
    final class CrashingStore: CursorStore {
        let store = InMemoryCursorStore()
        let cursor: String
        let crashes: Shared<Int>

        init(crashing cursor: String, times: Int) {
            self.cursor = cursor
            self.crashes = Shared(times)
        }

        func load(_ name: String) async throws -> String? {
            try await store.load(name)
        }

        func commit(_ name: String, expected: String?, new: String) async throws {
            let crash =
                name == cursor
                && crashes.update { count in
                    defer { count = max(0, count - 1) }
                    return count > 0
                }
            if crash {
                throw Crash()
            }
            try await store.commit(name, expected: expected, new: new)
        }
    }

    @Test func aPagePublishedButNotCommittedIsPolledAgainAndHandledOnce() async throws {
        let orders = Shared([
            PurchaseOrder(id: "po-1", product: "pallet"),
            PurchaseOrder(id: "po-2", product: "crate"),
            PurchaseOrder(id: "po-3", product: "drum"),
        ])
        let router = Router()
        router.get("orders") { request, _ -> Response in
            let after = request.uri.queryParameters["after"].map(String.init)
            let all = orders.current
            let start = after.flatMap { cursor in all.firstIndex { $0.id == cursor }.map { $0 + 1 } } ?? 0
            let body = try JSONEncoder().encode(Array(all[start...].prefix(2)))
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        let handled = Shared<[String]>([])
        let harness = BusHarness(middleware: [IdempotentReceiver(store: InMemoryIdempotencyStore())])
        try harness.bus.consume(PurchaseOrder.self, from: "purchase-orders", group: "inventory") { order, _ in
            handled.update { $0.append(order.id) }
        }
        let store = CrashingStore(crashing: "erp-orders", times: 1)
        try await withServer(router) { baseURL in
            // A new adapter each time: the process that crashed, then the one that restarted.
            let adapter = { @Sendable () throws -> PollingAdapter<HTTPPollingSource<PurchaseOrder>> in
                try PollingAdapter(
                    source: HTTPPollingSource(
                        url: "\(baseURL)/orders",
                        decoder: .jsonArray { (order: PurchaseOrder) in order.id }
                    ),
                    bus: harness.bus,
                    cursors: store,
                    configuration: PollingConfiguration(
                        name: "erp-orders",
                        topic: "purchase-orders",
                        instance: "adapter-1"
                    )
                )
            }
            try await harness.run {
                await #expect(throws: ChannelAdapterError.self) { try await adapter().pollOnce() }
                #expect(try await store.load("erp-orders") == nil)
                let restarted = try adapter()
                let again = try await restarted.pollOnce()
                #expect(again.published == 2)
                #expect(again.cursor == "po-2")
                let rest = try await restarted.pollOnce()
                #expect(rest.published == 1)
                #expect(rest.cursor == "po-3")
                try await harness.waitUntilHandled("purchase-orders", group: "inventory")
            }
        }
        #expect(
            harness.published(to: "purchase-orders").map(\.id) == [
                "erp-orders/po-1", "erp-orders/po-2", "erp-orders/po-1", "erp-orders/po-2", "erp-orders/po-3",
            ]
        )
        // Each order is its own key, so the orders may be handled in any order, but once each.
        #expect(handled.current.sorted() == ["po-1", "po-2", "po-3"])
    }
}
