import AsyncHTTPClient
import Logging
import MessageBus
import MessageSecurity
import Messaging
import NIOCore
import NIOHTTP1

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Posts each notification as JSON to an HTTP endpoint: a chat webhook, an incident tool, or a
/// service of your own.
///
/// The body is the `BusNotification` encoded with `BusNotification.codec`. Any answer other than
/// 2xx, a connection failure or a timeout throws, and the bus logs it.
///
/// Given a `WebhookSigner` (module `MessageSecurity`), each post is signed the Standard Webhooks
/// way — `webhook-id`, `webhook-timestamp` and `webhook-signature` over the body's bytes — so the
/// endpoint can check with `WebhookVerifier`, or any Standard Webhooks library, that the
/// notification comes from the bus and was not changed.
public struct WebhookNotifier: Notifier {
    /// The endpoint notifications are posted to.
    public let url: String
    private let client: HTTPClient
    private let headers: [(String, String)]
    private let timeout: Duration
    private let signer: WebhookSigner?

    /// Creates a notifier that posts to `url`.
    ///
    /// - Parameters:
    ///   - url: The endpoint.
    ///   - headers: Extra request headers, such as `Authorization`.
    ///   - timeout: How long one post may take. Default: 10 s.
    ///   - client: The HTTP client. Default: `HTTPClient.shared`.
    ///   - signer: Signs each post with Standard Webhooks headers; `nil` for no signature.
    ///     Default: `nil`.
    public init(
        url: String,
        headers: [(String, String)] = [],
        timeout: Duration = .seconds(10),
        client: HTTPClient = .shared,
        signer: WebhookSigner? = nil
    ) {
        self.url = url
        self.headers = headers
        self.timeout = timeout
        self.client = client
        self.signer = signer
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
        let body = try BusNotification.codec.encode(notification)
        if let signer {
            let id = "msg_" + UUID().uuidString.lowercased()
            for (name, value) in signer.headers(id: id, timestamp: Date(), body: body) {
                request.headers.add(name: name, value: value)
            }
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: TimeAmount(timeout))
        } catch {
            throw WebhookError(.requestFailed, url: url, reason: "the request failed: \(error)", status: nil)
        }
        guard (200..<300).contains(response.status.code) else {
            throw WebhookError(
                .rejected,
                url: url,
                reason: "the endpoint answered \(response.status)",
                status: Int(response.status.code)
            )
        }
    }
}

/// A webhook notification that could not be delivered.
///
/// A `ClassifiedError`: its ``codeName`` is its ``code``'s name, and it is retriable when
/// posting again may succeed — after a failed request, a timeout, or an answer of 408, 429 or
/// 5xx — but not after any other answer, which says the request itself is wrong.
public struct WebhookError: ClassifiedError, CustomStringConvertible {
    /// What kind of failure this is. New codes can be added without breaking existing code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, as it appears in logs, dead-letter headers and notifications.
        public let name: String

        /// Creates a code with the given name.
        public init(_ name: String) {
            self.name = name
        }

        /// The code's name.
        public var description: String { name }

        /// The request did not complete: the connection failed, or no answer came in time.
        public static let requestFailed = Code("webhook.requestFailed")
        /// The endpoint answered with a status other than 2xx; see ``WebhookError/status``.
        public static let rejected = Code("webhook.rejected")
    }

    /// What kind of failure this is.
    public let code: Code
    /// The endpoint.
    public let url: String
    /// What went wrong.
    public let reason: String
    /// The HTTP status the endpoint answered with, if it answered.
    public let status: Int?

    init(_ code: Code, url: String, reason: String, status: Int?) {
        self.code = code
        self.url = url
        self.reason = reason
        self.status = status
    }

    /// The name of the error's ``code``.
    public var codeName: String { code.name }

    /// Whether posting again may succeed: after a failed request, or an answer of 408, 429 or 5xx.
    public var isRetriable: Bool {
        guard let status else { return true }
        return status == 408 || status == 429 || status >= 500
    }

    /// "Could not notify <url>: <reason>".
    public var description: String {
        "Could not notify \(url): \(reason)"
    }
}
