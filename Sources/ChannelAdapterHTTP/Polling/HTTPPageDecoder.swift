import ChannelAdapter
import MessageBus

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Turns the answer to one poll of an ``HTTPPollingSource`` into a page: its items, oldest
/// first, and the cursor past them.
///
/// For an API that answers `{"orders": [...], "next": "41"}`:
///
/// ```swift
/// struct OrdersPage: Decodable {
///     var orders: [PurchaseOrder]
///     var next: String?
/// }
/// let decoder = HTTPPageDecoder<PurchaseOrder>.json(OrdersPage.self, items: \.orders, nextCursor: \.next)
/// ```
///
/// A decoder that throws makes the poll fail with
/// `ChannelAdapterError.Code.undecodableResponse`, which is not retried: the cursor stays
/// where it was and nothing of the page is published.
public struct HTTPPageDecoder<Item: PolledItem>: Sendable {
    private let body: @Sendable (HTTPPageResponse) throws -> PolledPage<Item>

    /// Creates a decoder from a closure that reads the whole answer, headers included.
    public init(_ decode: @escaping @Sendable (HTTPPageResponse) throws -> PolledPage<Item>) {
        self.body = decode
    }

    /// Decodes `response` into a page.
    public func decode(_ response: HTTPPageResponse) throws -> PolledPage<Item> {
        try body(response)
    }

    /// A decoder for a JSON body of type `Page`, from which `items` takes the items and
    /// `nextCursor` the cursor past them.
    ///
    /// - Parameters:
    ///   - page: The type the body decodes as.
    ///   - makeDecoder: Makes the JSON decoder, for its date or key strategies. Default: a plain
    ///     `JSONDecoder`.
    ///   - items: The page's items, oldest first.
    ///   - nextCursor: The cursor past them; `nil` when the page has none.
    public static func json<Page: Decodable & Sendable>(
        _ page: Page.Type,
        makeDecoder: @escaping @Sendable () -> JSONDecoder = { JSONDecoder() },
        items: @escaping @Sendable (Page) -> [Item],
        nextCursor: @escaping @Sendable (Page) -> String?
    ) -> HTTPPageDecoder {
        HTTPPageDecoder { response in
            let decoded = try makeDecoder().decode(Page.self, from: response.body)
            return PolledPage(items(decoded), nextCursor: nextCursor(decoded))
        }
    }
}

extension HTTPPageDecoder where Item: Decodable {
    /// A decoder for a body that is a JSON array of items, oldest first, whose last item gives
    /// the cursor past the page: what `GET /orders?after=41` answers when the cursor is an id.
    ///
    /// - Parameters:
    ///   - makeDecoder: Makes the JSON decoder. Default: a plain `JSONDecoder`.
    ///   - cursor: The cursor that follows an item.
    public static func jsonArray(
        makeDecoder: @escaping @Sendable () -> JSONDecoder = { JSONDecoder() },
        cursor: @escaping @Sendable (Item) -> String
    ) -> HTTPPageDecoder {
        HTTPPageDecoder { response in
            let items = try makeDecoder().decode([Item].self, from: response.body)
            return PolledPage(items, nextCursor: items.last.map(cursor))
        }
    }
}

extension HTTPPageDecoder {
    /// A decoder for a JSON body of type `Page` whose items travel as the JSON the source sent
    /// for them (`PolledJSON`): nothing is encoded again, and fields `Value` does not declare
    /// reach the consumers.
    ///
    /// `itemsKey` names the array of items in the body's top-level object, the same array
    /// `items` returns decoded:
    ///
    /// ```swift
    /// let decoder = HTTPPageDecoder<PolledJSON<PurchaseOrder>>.json(
    ///     OrdersPage.self,
    ///     itemsKey: "orders",
    ///     items: \.orders,
    ///     nextCursor: \.next
    /// )
    /// ```
    ///
    /// - Throws: While decoding, `DecodingError.dataCorrupted` when the body has no array at
    ///   `itemsKey`, or one with another number of elements than `items` returned.
    public static func json<Page: Decodable & Sendable, Value: PolledItem & BusMessage>(
        _ page: Page.Type,
        itemsKey: String,
        makeDecoder: @escaping @Sendable () -> JSONDecoder = { JSONDecoder() },
        items: @escaping @Sendable (Page) -> [Value],
        nextCursor: @escaping @Sendable (Page) -> String?
    ) -> HTTPPageDecoder where Item == PolledJSON<Value> {
        HTTPPageDecoder { response in
            let decoded = try makeDecoder().decode(Page.self, from: response.body)
            let values = items(decoded)
            return PolledPage(
                try paired(values, in: response.body, key: itemsKey),
                nextCursor: nextCursor(decoded)
            )
        }
    }

    /// A decoder for a body that is a JSON array of items, oldest first, which travel as the
    /// JSON the source sent for them (`PolledJSON`); the last item gives the cursor past the
    /// page.
    ///
    /// - Parameters:
    ///   - makeDecoder: Makes the JSON decoder. Default: a plain `JSONDecoder`.
    ///   - cursor: The cursor that follows an item.
    public static func jsonArray<Value: PolledItem & BusMessage>(
        makeDecoder: @escaping @Sendable () -> JSONDecoder = { JSONDecoder() },
        cursor: @escaping @Sendable (Value) -> String
    ) -> HTTPPageDecoder where Item == PolledJSON<Value> {
        HTTPPageDecoder { response in
            let values = try makeDecoder().decode([Value].self, from: response.body)
            return PolledPage(try paired(values, in: response.body, key: nil), nextCursor: values.last.map(cursor))
        }
    }

    /// Each of `values` with the bytes of its element in the array of `body` at `key`.
    private static func paired<Value: PolledItem & BusMessage>(
        _ values: [Value],
        in body: Data,
        key: String?
    ) throws -> [PolledJSON<Value>] {
        let bytes = [UInt8](body)
        let place = key.map { "the array at '\($0)'" } ?? "the body's array"
        guard let ranges = JSONArrayElements.ranges(in: bytes, key: key) else {
            let missing = key.map { "The page has no array at '\($0)'." } ?? "The page is not an array."
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: missing))
        }
        guard ranges.count == values.count else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: [],
                    debugDescription: "Found \(ranges.count) elements in \(place), but decoded \(values.count) items."
                )
            )
        }
        return zip(values, ranges).map { PolledJSON($0, json: Data(bytes[$1])) }
    }
}
