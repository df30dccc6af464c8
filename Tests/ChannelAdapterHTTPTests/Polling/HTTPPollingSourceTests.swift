import ChannelAdapter
import ChannelAdapterHTTP
import Hummingbird
import NIOHTTP1
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

@Suite("HTTP polling source")
struct HTTPPollingSourceTests {
    /// The requests an ERP received: the query, the cursor header and `If-None-Match`.
    struct Received: Sendable, Equatable {
        var query: String
        var cursorHeader: String?
        var ifNoneMatch: String?
    }

    /// An ERP listing `orders` after a cursor given as `?after=` or `X-Cursor`, answering a JSON
    /// array with `ETag: "<count>"`, and 304 when `If-None-Match` matches.
    static func erp(orders: Shared<[PurchaseOrder]>, received: Shared<[Received]>) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("orders") { request, _ -> Response in
            let after =
                request.uri.queryParameters["after"].map(String.init) ?? request.headers[FieldName("X-Cursor")!]
            received.update {
                $0.append(
                    Received(
                        query: request.uri.query ?? "",
                        cursorHeader: request.headers[FieldName("X-Cursor")!],
                        ifNoneMatch: request.headers[.ifNoneMatch]
                    )
                )
            }
            let all = orders.current
            let tag = "\"\(all.count)\""
            if request.headers[.ifNoneMatch] == tag {
                return Response(status: .notModified, headers: [.eTag: tag])
            }
            let start = after.flatMap { cursor in all.firstIndex { $0.id == cursor }.map { $0 + 1 } } ?? 0
            let page = Array(all[start...].prefix(2))
            let body = try JSONEncoder().encode(page)
            return Response(
                status: .ok,
                headers: [.contentType: "application/json", .eTag: tag],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
            )
        }
        return router
    }

    static let orders = [
        PurchaseOrder(id: "po-1", product: "pallet"),
        PurchaseOrder(id: "po-2", product: "crate"),
        PurchaseOrder(id: "po-3", product: "drum"),
    ]

    @Test func theCursorGoesInTheQuery() async throws {
        let orders = Shared(Self.orders)
        let received = Shared<[Received]>([])
        try await withServer(Self.erp(orders: orders, received: received)) { baseURL in
            let source = HTTPPollingSource(
                url: "\(baseURL)/orders",
                cursor: .query("after"),
                decoder: .jsonArray { (order: PurchaseOrder) in order.id }
            )
            let first = try await source.poll(after: nil)
            #expect(first.items.map(\.id) == ["po-1", "po-2"])
            #expect(first.nextCursor == "po-2")
            let second = try await source.poll(after: "po-2")
            #expect(second.items.map(\.id) == ["po-3"])
            #expect(second.nextCursor == "po-3")
            let cursor = try await source.poll(after: "a b&c")
            #expect(cursor.items.map(\.id) == ["po-1", "po-2"])
        }
        #expect(received.current.map(\.query) == ["", "after=po-2", "after=a%20b%26c"])
    }

    @Test func theCursorGoesInAHeader() async throws {
        let orders = Shared(Self.orders)
        let received = Shared<[Received]>([])
        try await withServer(Self.erp(orders: orders, received: received)) { baseURL in
            let source = HTTPPollingSource(
                url: "\(baseURL)/orders",
                cursor: .header("X-Cursor"),
                decoder: .jsonArray { (order: PurchaseOrder) in order.id }
            )
            let first = try await source.poll(after: nil)
            #expect(first.items.map(\.id) == ["po-1", "po-2"])
            let second = try await source.poll(after: "po-2")
            #expect(second.items.map(\.id) == ["po-3"])
        }
        #expect(received.current.map(\.cursorHeader) == [nil, "po-2"])
        #expect(received.current.map(\.query) == ["", ""])
    }

    @Test func anUnchangedEmptyPageIsAskedForWithItsETagAndA304IsAnEmptyPage() async throws {
        let orders = Shared(Self.orders)
        let received = Shared<[Received]>([])
        try await withServer(Self.erp(orders: orders, received: received)) { baseURL in
            let source = HTTPPollingSource(
                url: "\(baseURL)/orders",
                decoder: .jsonArray { (order: PurchaseOrder) in order.id }
            )
            // A page with items is never answered from memory.
            _ = try await source.poll(after: "po-2")
            _ = try await source.poll(after: "po-2")
            // The head of the feed: empty, with an ETag the next request sends.
            let empty = try await source.poll(after: "po-3")
            #expect(empty.items.isEmpty)
            let notModified = try await source.poll(after: "po-3")
            #expect(notModified.items.isEmpty)
            #expect(notModified.nextCursor == "po-3")
            orders.update { $0.append(PurchaseOrder(id: "po-4", product: "box")) }
            let changed = try await source.poll(after: "po-3")
            #expect(changed.items.map(\.id) == ["po-4"])
            #expect(changed.nextCursor == "po-4")
        }
        #expect(received.current.map(\.ifNoneMatch) == [nil, nil, nil, "\"3\"", "\"3\""])
    }

    @Test func theNextPageIsTheOneTheLinkHeaderNames() async throws {
        let router = Router()
        router.get("feed") { request, _ -> Response in
            let page = request.uri.queryParameters["page"].flatMap { Int(String($0)) } ?? 1
            let items = page <= 2 ? [PurchaseOrder(id: "po-\(page)", product: "pallet")] : []
            var headers: HTTPFields = [.contentType: "application/json"]
            if page <= 2 {
                headers[FieldName("Link")!] =
                    "</feed?page=\(page + 1)>; rel=\"next\", </feed?page=1>; rel=\"first\""
            }
            return Response(
                status: .ok,
                headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(items)))
            )
        }
        try await withServer(router) { baseURL in
            let source = HTTPPollingSource(
                url: "\(baseURL)/feed",
                cursor: .link,
                decoder: HTTPPageDecoder { response in
                    PolledPage(try JSONDecoder().decode([PurchaseOrder].self, from: response.body), nextCursor: nil)
                }
            )
            let first = try await source.poll(after: nil)
            #expect(first.items.map(\.id) == ["po-1"])
            #expect(first.nextCursor == "\(baseURL)/feed?page=2")
            let second = try await source.poll(after: first.nextCursor)
            #expect(second.items.map(\.id) == ["po-2"])
            #expect(second.nextCursor == "\(baseURL)/feed?page=3")
            let last = try await source.poll(after: second.nextCursor)
            #expect(last.items.isEmpty)
            #expect(last.nextCursor == nil)
        }
    }

    @Test func aNextLinkToAnotherOriginIsRefused() async throws {
        let router = Router()
        router.get("feed") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [
                    .contentType: "application/json",
                    FieldName("Link")!: "<http://elsewhere.test/feed?page=2>; rel=\"next\"",
                ],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "[]"))
            )
        }
        try await withServer(router) { baseURL in
            let source = HTTPPollingSource(
                url: "\(baseURL)/feed",
                cursor: .link,
                decoder: .jsonArray { (order: PurchaseOrder) in order.id },
                headers: ["Authorization": "Bearer secret"]
            )
            let error = try await #require(throws: ChannelAdapterError.self) { try await source.poll(after: nil) }
            #expect(error.code == .undecodableResponse)
            #expect(!error.isRetriable)
            #expect(error.reason.contains("http://elsewhere.test/feed?page=2"))
        }
    }

    @Test func aLinkWithSeveralRelationsOrARelativeTargetIsFollowedAndItsAbsenceFallsBackToTheDecoder() async throws {
        let router = Router()
        router.get("feed") { request, _ -> Response in
            var headers: HTTPFields = [.contentType: "application/json"]
            if request.uri.queryParameters["page"] == nil {
                headers[FieldName("Link")!] =
                    #"<https://elsewhere.test/feed?page=0>; rel="prev", <feed?page=2>; rel="next last""#
            }
            let items = [PurchaseOrder(id: "po-\(request.uri.query ?? "1")", product: "pallet")]
            return Response(
                status: .ok,
                headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(items)))
            )
        }
        try await withServer(router) { baseURL in
            let source = HTTPPollingSource(
                url: "\(baseURL)/feed",
                cursor: .link,
                decoder: HTTPPageDecoder { response in
                    let items = try JSONDecoder().decode([PurchaseOrder].self, from: response.body)
                    return PolledPage(items, nextCursor: "\(response.url)&seen")
                }
            )
            let first = try await source.poll(after: nil)
            #expect(first.nextCursor == "\(baseURL)/feed?page=2")
            let second = try await source.poll(after: first.nextCursor)
            #expect(second.items.map(\.id) == ["po-page=2"])
            #expect(second.nextCursor == "\(baseURL)/feed?page=2&seen")
        }
    }

    @Test(arguments: [
        (503, "unavailable", true),
        (429, "unavailable", true),
        (408, "unavailable", true),
        (404, "rejected", false),
        (401, "rejected", false),
    ])
    func statusesMapToClassifiedErrors(status: Int, code: String, retriable: Bool) async throws {
        let router = Router()
        router.get("orders") { _, _ in Response(status: HTTPResponse.Status(code: status)) }
        try await withServer(router) { baseURL in
            let source = HTTPPollingSource(
                url: "\(baseURL)/orders",
                decoder: .jsonArray { (order: PurchaseOrder) in order.id }
            )
            let error = try await #require(throws: ChannelAdapterError.self) { try await source.poll(after: "po-1") }
            #expect(error.codeName == code)
            #expect(error.isRetriable == retriable)
            #expect(error.statusCode == status)
            #expect(error.reason.contains("GET \(baseURL)/orders?after=po-1 answered \(status)"))
        }
    }

    @Test func anUndecodableBodyIsPermanent() async throws {
        let router = Router()
        router.get("orders") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: #"[{"id": 1}]"#))
            )
        }
        try await withServer(router) { baseURL in
            let source = HTTPPollingSource(
                url: "\(baseURL)/orders",
                decoder: .jsonArray { (order: PurchaseOrder) in order.id }
            )
            let error = try await #require(throws: ChannelAdapterError.self) { try await source.poll(after: nil) }
            #expect(error.code == .undecodableResponse)
            #expect(!error.isRetriable)
            #expect(error.reason.contains("\(baseURL)/orders"))
        }
    }

    @Test func aBodyOverTheLimitIsPermanent() async throws {
        let router = Router()
        router.get("orders") { _, _ in
            Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(repeating: UInt8(ascii: " "), count: 4096)))
        }
        try await withServer(router) { baseURL in
            let source = HTTPPollingSource(
                url: "\(baseURL)/orders",
                decoder: .jsonArray { (order: PurchaseOrder) in order.id },
                maximumBodyBytes: 1024
            )
            let error = try await #require(throws: ChannelAdapterError.self) { try await source.poll(after: nil) }
            #expect(error.code == .undecodableResponse)
            #expect(!error.isRetriable)
        }
    }

    @Test func aRefusedConnectionIsTransient() async throws {
        let source = HTTPPollingSource(
            url: "http://127.0.0.1:1/orders",
            decoder: .jsonArray { (order: PurchaseOrder) in order.id },
            timeout: .seconds(2)
        )
        let error = try await #require(throws: ChannelAdapterError.self) { try await source.poll(after: nil) }
        #expect(error.isRetriable)
        #expect([.connectionFailed, .timedOut].contains(error.code))
        #expect(error.reason.contains("http://127.0.0.1:1/orders"))
    }
}
