import AsyncHTTPClient
import ChannelAdapter
import ChannelAdapterHTTP
import Foundation
import Hummingbird
import InMemoryTransport
import MessageBus
import Messaging
import Metrics
import NIOCore

/// Items a `PollingAdapter` reads per second from a local HTTP API through an
/// `HTTPPollingSource` and publishes on a bus over the in-memory transport, each as the JSON the
/// API sent for it (`PolledJSON`), its cursor in an `InMemoryCursorStore`; beside a bare AsyncHTTPClient loop fetching the same pages from the
/// same server and decoding them with `JSONDecoder`.
///
/// The server is a Hummingbird application in this process, on a port the system chooses. It
/// answers `GET /items?after=N` with the page of items that follows item N and the cursor past
/// them, from pages encoded before the run, so both sides wait on the same server.
enum PollingScenario {
    struct Item: BusMessage, Identifiable, PolledItem {
        static let messageType = "bench.polled-item"
        var id: String
        var payload: String
    }

    /// The body of a page: its items and the cursor past them.
    struct Page: Codable, Sendable {
        var items: [Item]
        var next: String?
    }

    static let pageSize = 100
    static let topic = "items"

    /// The encoded pages of `count` items, then the empty page past them: page `i` follows the
    /// cursor `i × pageSize`.
    static func pages(of count: Int) throws -> [ByteBuffer] {
        let encoder = JSONEncoder()
        let filler = String(repeating: "x", count: Scale.payloadBytes - 20)
        return try stride(from: 0, through: count, by: pageSize).map { after in
            let items = (after..<min(after + pageSize, count)).map { Item(id: "item-\($0 + 1)", payload: filler) }
            let page = Page(items: items, next: items.isEmpty ? nil : String(after + items.count))
            return ByteBuffer(bytes: try encoder.encode(page))
        }
    }

    /// Runs the items API for `count` items around `body`, which gets the URL of its first page.
    static func withServer<Result: Sendable>(
        items count: Int,
        _ body: @Sendable (_ url: String) async throws -> Result
    ) async throws -> Result {
        let pages = try pages(of: count)
        let router = Router()
        router.get("items") { request, _ -> Response in
            let after = request.uri.queryParameters.get("after", as: Int.self) ?? 0
            guard after >= 0, after % pageSize == 0, after / pageSize < pages.count else {
                throw HTTPError(.badRequest, message: "No page starts after item \(after).")
            }
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: pages[after / pageSize])
            )
        }
        let (ports, bound) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in
                bound.yield(channel.localAddress?.port ?? 0)
                bound.finish()
            }
        )
        return try await withRunningServices([app], logger: app.logger) {
            var waiting = ports.makeAsyncIterator()
            guard let port = await waiting.next(), port > 0 else {
                throw BenchmarkError("polling-http: the items server reported no port")
            }
            return try await body("http://127.0.0.1:\(port)/items")
        }
    }

    /// Items per second the adapter polls and publishes, from its first poll until it committed
    /// the cursor past the last item.
    static func adapterRate(url: String, count: Int) async throws -> Double {
        let transport = InMemoryTransport()
        let bus = Bus(transport: transport, name: "bench", metricsFactory: NOOPMetricsHandler.instance)
        let adapter = try PollingAdapter(
            source: HTTPPollingSource(
                url: url,
                decoder: .json(Page.self, itemsKey: "items", items: { $0.items }, nextCursor: { $0.next })
            ),
            bus: bus,
            cursors: InMemoryCursorStore(),
            configuration: PollingConfiguration(name: "bench-items", topic: topic)
        )
        let last = String(count)
        var published = 0
        let clock = ContinuousClock()
        let start = clock.now
        var report = try await adapter.pollOnce()
        published += report.published
        while report.cursor != last {
            guard report.polled > 0 else {
                throw BenchmarkError("polling-http: the adapter stopped at cursor \(report.cursor ?? "nil")")
            }
            report = try await adapter.pollOnce()
            published += report.published
        }
        let elapsed = clock.now - start
        await transport.shutdown()
        guard published == count else {
            throw BenchmarkError("polling-http: the adapter published \(published) of \(count) items")
        }
        return Double(count) / seconds(elapsed)
    }

    /// Items per second a plain loop fetches and decodes: a `GET` per page, its body collected
    /// and decoded with `JSONDecoder`, until the cursor is past the last item.
    static func bareRate(url: String, count: Int) async throws -> Double {
        let client = HTTPClient.shared
        let decoder = JSONDecoder()
        var fetched = 0
        var cursor: String?
        let clock = ContinuousClock()
        let start = clock.now
        while cursor != String(count) {
            let request = HTTPClientRequest(url: cursor.map { "\(url)?after=\($0)" } ?? url)
            let response = try await client.execute(request, timeout: .seconds(30))
            guard response.status == .ok else {
                throw BenchmarkError("polling-http: GET \(request.url) answered \(response.status)")
            }
            let body = try await response.body.collect(upTo: 10 << 20)
            let page = try decoder.decode(Page.self, from: Data(body.readableBytesView))
            guard let next = page.next, !page.items.isEmpty else {
                throw BenchmarkError("polling-http: the loop stopped at cursor \(cursor ?? "nil")")
            }
            fetched += page.items.count
            cursor = next
        }
        let elapsed = clock.now - start
        guard fetched == count else {
            throw BenchmarkError("polling-http: the loop fetched \(fetched) of \(count) items")
        }
        return Double(count) / seconds(elapsed)
    }

    static let polling = Scenario(name: "polling-http") { scale in
        let count = scale.polledItems
        let (project, baseline) = try await withServer(items: count) { url -> (project: Double, baseline: Double) in
            // Untimed, so neither side pays for opening the connection or growing the heap.
            _ = try await bareRate(url: url, count: count)
            _ = try await adapterRate(url: url, count: count)
            return try await Scenario.alternate(rounds: scale.pollingRounds) {
                try await bareRate(url: url, count: count)
            } project: {
                try await adapterRate(url: url, count: count)
            }
        }
        var result = ScenarioResult.throughput("polling-http", project: project, baseline: baseline, target: 0.8)
        result.unit = "items/s"
        return result
    }
}
