import ChannelAdapter
import ChannelAdapterHTTP
import Hummingbird
import MessageBus
import MessageBusTesting
import Messaging
import NIOHTTP1
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Items whose messages carry the JSON the source sent for them.
@Suite("Polled items passed through as their source's JSON")
struct PolledJSONTests {
    struct OrdersPage: Decodable, Sendable {
        var orders: [PurchaseOrder]
        var next: String?
    }

    static func response(_ body: String) -> HTTPPageResponse {
        HTTPPageResponse(url: "http://erp.test/orders", statusCode: 200, headers: [:], body: Data(body.utf8))
    }

    static let pageDecoder = HTTPPageDecoder<PolledJSON<PurchaseOrder>>.json(
        OrdersPage.self,
        itemsKey: "orders",
        items: \.orders,
        nextCursor: \.next
    )

    @Test func eachItemKeepsItsOwnTextWithFieldsItsTypeDoesNotDeclare() throws {
        let page = try Self.pageDecoder.decode(
            Self.response(
                #"""
                { "count": [1, {"orders": "]"}], "orders" : [ {"id":"po-1", "product":"pallet", "notes":"say \"]\" {"},
                  {"id": "po-2","product": "crate","lines":[{"sku":"a"},[]] , "urgent": true} ],"next":"po-2"}
                """#
            )
        )
        #expect(
            page.items.map(\.value) == [
                PurchaseOrder(id: "po-1", product: "pallet"), PurchaseOrder(id: "po-2", product: "crate"),
            ]
        )
        #expect(
            page.items.map { String(decoding: $0.json, as: UTF8.self) } == [
                #"{"id":"po-1", "product":"pallet", "notes":"say \"]\" {"}"#,
                #"{"id": "po-2","product": "crate","lines":[{"sku":"a"},[]] , "urgent": true}"#,
            ]
        )
        #expect(page.nextCursor == "po-2")
    }

    @Test func aKeyWrittenWithEscapesIsFound() throws {
        let page = try Self.pageDecoder.decode(
            Self.response(#"{"next": null, "\u006frders": [{"id": "po-1", "product": "drum"}]}"#)
        )
        #expect(page.items.map(\.identity) == ["po-1"])
        #expect(
            page.items.first.map { String(decoding: $0.json, as: UTF8.self) } == #"{"id": "po-1", "product": "drum"}"#
        )
    }

    @Test func aBodyThatIsAnArrayPassesEachElementThrough() throws {
        let decoder = HTTPPageDecoder<PolledJSON<PurchaseOrder>>.jsonArray { (order: PurchaseOrder) in order.id }
        let page = try decoder.decode(
            Self.response(#"  [{"id":"po-7","product":"crate"} ,{"id":"po-8","product":"[x]"}]  "#)
        )
        #expect(
            page.items.map { String(decoding: $0.json, as: UTF8.self) } == [
                #"{"id":"po-7","product":"crate"}"#, #"{"id":"po-8","product":"[x]"}"#,
            ]
        )
        #expect(page.nextCursor == "po-8")
        let empty = try decoder.decode(Self.response("[ ]"))
        #expect(empty.items.isEmpty)
        #expect(empty.nextCursor == nil)
    }

    @Test func itemsFromAnotherArrayThanTheKeyNamesAreRefused() throws {
        let mismatched = HTTPPageDecoder<PolledJSON<PurchaseOrder>>.json(
            OrdersPage.self,
            itemsKey: "archived",
            items: \.orders,
            nextCursor: \.next
        )
        let twoAndOne = Self.response(
            #"{"orders": [{"id": "po-1", "product": "a"}, {"id": "po-2", "product": "b"}], "archived": [1]}"#
        )
        let countError = try #require(throws: DecodingError.self) { try mismatched.decode(twoAndOne) }
        #expect("\(countError)".contains("Found 1 elements in the array at 'archived', but decoded 2 items."))
        let absent = Self.response(#"{"orders": [{"id": "po-1", "product": "a"}]}"#)
        let absentError = try #require(throws: DecodingError.self) { try mismatched.decode(absent) }
        #expect("\(absentError)".contains("The page has no array at 'archived'."))
    }

    @Test func theAdapterPublishesTheSourcesBytesUnderTheItemsType() async throws {
        let body = #"{"orders": [{"id": "po-1", "product": "pallet", "supplier": "ACME"}], "next": "po-1"}"#
        let router = Router()
        router.get("orders") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: body))
            )
        }
        let harness = BusHarness()
        try await withServer(router) { baseURL in
            let adapter = try PollingAdapter(
                source: HTTPPollingSource(url: "\(baseURL)/orders", decoder: Self.pageDecoder),
                bus: harness.bus,
                cursors: InMemoryCursorStore(),
                configuration: PollingConfiguration(name: "erp-orders", topic: "purchase-orders")
            )
            let report = try await adapter.pollOnce()
            #expect(report.published == 1)
        }
        let published = try #require(harness.published(to: "purchase-orders").first)
        #expect(published.id == "erp-orders/po-1")
        #expect(published.type == PurchaseOrder.messageType)
        #expect(published.key == "po-1")
        #expect(published.dataContentType == "application/json")
        #expect(
            String(decoding: published.payload, as: UTF8.self)
                == #"{"id": "po-1", "product": "pallet", "supplier": "ACME"}"#
        )
        #expect(try published.decode(PurchaseOrder.self) == PurchaseOrder(id: "po-1", product: "pallet"))
    }
}
