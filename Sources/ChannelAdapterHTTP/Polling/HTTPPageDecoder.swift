import ChannelAdapter

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
