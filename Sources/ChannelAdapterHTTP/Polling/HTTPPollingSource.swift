import AsyncHTTPClient
import ChannelAdapter
import NIOCore
import NIOHTTP1
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A `PollingSource` that reads pages of items from a JSON API over HTTP: `GET` the source's
/// URL with the cursor in a query parameter, a header, or as the URL a `Link: <...>; rel="next"`
/// header named.
///
/// ```swift
/// let orders = HTTPPollingSource(
///     url: "http://erp.internal/orders",
///     cursor: .query("after"),
///     decoder: .jsonArray { (order: PurchaseOrder) in order.id }
/// )
/// let adapter = try PollingAdapter(
///     source: orders,
///     bus: bus,
///     cursors: InMemoryCursorStore(),
///     configuration: PollingConfiguration(name: "erp-orders", topic: "purchase-orders")
/// )
/// ```
///
/// **Conditional requests.** When a page comes back empty with an `ETag`, the source sends it as
/// `If-None-Match` the next time it asks for the same page; a `304 Not Modified` is then an
/// empty page that leaves the cursor where it was, without a body to download or decode. Only
/// empty pages are remembered: a page with items whose publishing failed is downloaded again,
/// never answered from memory, so nothing is skipped.
///
/// **Failures** are `ChannelAdapterError`s that name the method, the URL and the status, and
/// say whether trying again may help, which the `PollingAdapter` uses to back off:
/// - 408, 429 and 5xx: `ChannelAdapterError.Code.unavailable`, retriable;
/// - a timeout: `ChannelAdapterError.Code.timedOut`, retriable;
/// - a connection refused or lost: `ChannelAdapterError.Code.connectionFailed`, retriable;
/// - any other status: `ChannelAdapterError.Code.rejected`, not retriable;
/// - a body larger than the limit, one the decoder refuses, or a next link to another origin:
///   `ChannelAdapterError.Code.undecodableResponse`, not retriable.
public struct HTTPPollingSource<Item: PolledItem>: PollingSource {
    /// The URL of the first page; later pages add the cursor to it, or replace it with the next
    /// page's URL for ``HTTPCursorPlacement/link``.
    public let url: String
    /// Where the cursor goes.
    public let cursor: HTTPCursorPlacement

    private let decoder: HTTPPageDecoder<Item>
    private let headers: HTTPHeaders
    private let timeout: Duration
    private let maximumBodyBytes: Int
    private let client: HTTPClient
    private let entityTags = EntityTags()

    /// Creates a source.
    ///
    /// - Parameters:
    ///   - url: The URL of the first page.
    ///   - cursor: Where the cursor goes. Default: the query parameter `after`.
    ///   - decoder: Reads a page's items and next cursor from an answer.
    ///   - headers: Headers sent with every request, such as `Authorization`. `Accept:
    ///     application/json` is added unless given.
    ///   - timeout: How long one request may take, body included. Default: 30 seconds.
    ///   - maximumBodyBytes: The largest body read; a larger one fails the poll. Default: 10 MiB.
    ///   - client: The HTTP client. Default: `HTTPClient.shared`.
    public init(
        url: String,
        cursor: HTTPCursorPlacement = .query("after"),
        decoder: HTTPPageDecoder<Item>,
        headers: HTTPHeaders = [:],
        timeout: Duration = .seconds(30),
        maximumBodyBytes: Int = 10 << 20,
        client: HTTPClient = .shared
    ) {
        self.url = url
        self.cursor = cursor
        self.decoder = decoder
        var headers = headers
        if !headers.contains(name: "Accept") {
            headers.add(name: "Accept", value: "application/json")
        }
        self.headers = headers
        self.timeout = timeout
        self.maximumBodyBytes = max(1, maximumBodyBytes)
        self.client = client
    }

    /// The scheme, host and port of `address`, lowercased, with the scheme's default port.
    private static func origin(of address: String) -> String? {
        guard let components = URLComponents(string: address), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased()
        else { return nil }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(host):\(port)"
    }

    /// Requests the page after `cursor` and decodes it.
    ///
    /// - Throws: A `ChannelAdapterError` naming the URL, classified as described above; or
    ///   `CancellationError`.
    public func poll(after cursor: String?) async throws -> PolledPage<Item> {
        var request = HTTPClientRequest(url: target(after: cursor))
        request.method = .GET
        request.headers = headers
        if case .header(let name) = self.cursor, let cursor {
            request.headers.replaceOrAdd(name: name, value: cursor)
        }
        let cacheKey = "\(request.url)\n\(cursor ?? "")"
        if let tag = entityTags[cacheKey] {
            request.headers.replaceOrAdd(name: "If-None-Match", value: tag)
        }
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, deadline: deadline)
            if response.status == .notModified {
                return PolledPage([], nextCursor: cursor)
            }
            guard (200..<300).contains(response.status.code) else {
                throw HTTPFailure.status(Int(response.status.code), url: request.url, method: "GET", adapter: nil)
            }
            body = try await response.body.collect(upTo: maximumBodyBytes)
        } catch let error as CancellationError {
            throw error
        } catch is NIOTooManyBytesError {
            throw ChannelAdapterError(
                .undecodableResponse,
                "GET \(request.url) answered a body larger than the \(maximumBodyBytes) bytes allowed.",
                isRetriable: false
            )
        } catch {
            // AsyncHTTPClient reports a cancelled request as its own error.
            if Task.isCancelled { throw CancellationError() }
            throw HTTPFailure.exchange(error, url: request.url, method: "GET", adapter: nil)
        }
        var page: PolledPage<Item>
        do {
            page = try decoder.decode(
                HTTPPageResponse(
                    url: request.url,
                    statusCode: Int(response.status.code),
                    headers: response.headers,
                    body: Data(body.readableBytesView)
                )
            )
        } catch {
            throw ChannelAdapterError(
                .undecodableResponse,
                "GET \(request.url) answered \(response.status.code) with a body that does not decode: \(error)",
                isRetriable: false,
                underlying: error
            )
        }
        if case .link = self.cursor {
            if let next = LinkHeader.target(of: "next", in: response.headers, base: request.url) {
                // The source's headers, credentials included, go to its own origin only.
                guard Self.origin(of: next) == Self.origin(of: url) else {
                    throw ChannelAdapterError(
                        .undecodableResponse,
                        "GET \(request.url) names a next page on another origin, \(next); the source follows "
                            + "links on \(url)'s origin only.",
                        isRetriable: false
                    )
                }
                page.nextCursor = next
            }
        }
        if page.items.isEmpty, let tag = response.headers.first(name: "ETag") {
            entityTags[cacheKey] = tag
        } else {
            entityTags[cacheKey] = nil
        }
        return page
    }

    /// The URL of the page after `cursor`.
    private func target(after cursor: String?) -> String {
        guard let cursor else { return url }
        switch self.cursor {
        case .query(let name):
            let separator = url.contains("?") ? "&" : "?"
            return url + separator + Self.percentEncoded(name) + "=" + Self.percentEncoded(cursor)
        case .header:
            return url
        case .link:
            return cursor
        }
    }

    /// `text` with every byte but the unreserved characters of RFC 3986 percent-encoded.
    private static func percentEncoded(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return encoded
    }
}

/// The `ETag`s of the empty pages a source read last, by request.
private final class EntityTags: Sendable {
    /// How many requests are remembered; the oldest are forgotten first.
    private static let capacity = 64
    private let tags = Mutex<[(key: String, tag: String)]>([])

    subscript(key: String) -> String? {
        get {
            tags.withLock { tags in tags.first { $0.key == key }?.tag }
        }
        set {
            tags.withLock { tags in
                tags.removeAll { $0.key == key }
                if let newValue {
                    tags.append((key, newValue))
                    if tags.count > Self.capacity {
                        tags.removeFirst()
                    }
                }
            }
        }
    }
}
