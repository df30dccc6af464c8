import AsyncHTTPClient
import Logging
import MessageBus
import NIOCore
import NIOHTTP1

/// Posts each notification as JSON to an HTTP endpoint: a chat webhook, an incident tool, or a
/// service of your own.
///
/// The body is the `BusNotification` encoded with `BusNotification.codec`. Any answer other than
/// 2xx, a connection failure or a timeout throws, and the bus logs it.
public struct WebhookNotifier: Notifier {
    /// The endpoint notifications are posted to.
    public let url: String
    private let client: HTTPClient
    private let headers: [(String, String)]
    private let timeout: Duration

    /// Creates a notifier that posts to `url`.
    ///
    /// - Parameters:
    ///   - url: The endpoint.
    ///   - headers: Extra request headers, such as `Authorization`.
    ///   - timeout: How long one post may take. Default: 10 s.
    ///   - client: The HTTP client. Default: `HTTPClient.shared`.
    public init(
        url: String,
        headers: [(String, String)] = [],
        timeout: Duration = .seconds(10),
        client: HTTPClient = .shared
    ) {
        self.url = url
        self.headers = headers
        self.timeout = timeout
        self.client = client
    }

    /// Posts `notification` as JSON.
    ///
    /// - Throws: ``WebhookError`` naming the URL and what went wrong.
    public func notify(_ notification: BusNotification) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        for (name, value) in headers {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(ByteBuffer(bytes: try BusNotification.codec.encode(notification)))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: TimeAmount(timeout))
        } catch {
            throw WebhookError(url: url, reason: "the request failed: \(error)", status: nil)
        }
        guard (200..<300).contains(response.status.code) else {
            throw WebhookError(
                url: url,
                reason: "the endpoint answered \(response.status)",
                status: Int(response.status.code)
            )
        }
    }
}

/// A webhook notification that could not be delivered.
public struct WebhookError: Error, Sendable, CustomStringConvertible {
    /// The endpoint.
    public let url: String
    /// What went wrong.
    public let reason: String
    /// The HTTP status the endpoint answered with, if it answered.
    public let status: Int?

    /// "Could not notify <url>: <reason>".
    public var description: String {
        "Could not notify \(url): \(reason)"
    }
}
