import Hummingbird
import MessageSecurity

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The receiving side of webhooks: a Hummingbird route that accepts only requests signed the
/// Standard Webhooks way with a known secret and sent recently, and hands each verified event
/// to a closure.
///
/// ```swift
/// let receiver = WebhookReceiver(secrets: [try WebhookSecret(secretText)])
/// receiver.route(on: router, path: "hooks/orders") { event, _ in
///     print("received", event.id)
/// }
/// ```
///
/// A request whose signature headers are missing, whose signature matches none of the secrets,
/// or whose `webhook-timestamp` is further from now than the tolerance — a replay of an old
/// request — is answered `401 Unauthorized` and never reaches the closure. A body larger than
/// the limit is answered `413`. A verified event is answered `204 No Content` once the closure
/// returns; if it throws, the error's status (500 for errors without one) tells the sender to
/// try again.
public struct WebhookReceiver: Sendable {
    private let verifier: WebhookVerifier
    private let maximumBodySize: Int

    /// Creates a receiver.
    ///
    /// - Parameters:
    ///   - secrets: The secrets whose signatures are accepted; during a rotation, the new one and
    ///     the old one.
    ///   - tolerance: How far `webhook-timestamp` may be from now, either way. Default: 5 minutes.
    ///   - maximumBodySize: The largest body accepted, in bytes. Default: 1 MiB.
    ///   - now: The wall clock. Default: the system's.
    public init(
        secrets: [WebhookSecret],
        tolerance: Duration = .seconds(300),
        maximumBodySize: Int = 1 << 20,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.verifier = WebhookVerifier(secrets: secrets, tolerance: tolerance, now: now)
        self.maximumBodySize = maximumBodySize
    }

    /// Verifies `request`, reading its body.
    ///
    /// - Returns: The verified event.
    /// - Throws: `HTTPError` `401 Unauthorized` naming what failed, or `413` for a body over the
    ///   limit.
    public func verify(_ request: Request) async throws -> VerifiedWebhook {
        var request = request
        let body = try await request.collectBody(upTo: maximumBodySize)
        let bytes = Data(body.readableBytesView)
        let headers = request.headers.map { ($0.name.canonicalName, $0.value) }
        do throws(SecurityError) {
            try verifier.verify(headers: headers, body: bytes)
        } catch {
            throw HTTPError(.unauthorized, message: error.reason)
        }
        let value: (String) -> String = { name in headers.first { $0.0 == name }?.1 ?? "" }
        return VerifiedWebhook(
            id: value(WebhookSigner.idHeader),
            timestamp: Date(timeIntervalSince1970: Double(value(WebhookSigner.timestampHeader)) ?? 0),
            contentType: request.headers[.contentType],
            body: bytes
        )
    }

    /// Adds a `POST` route at `path` that verifies each request and hands the event to `handler`.
    ///
    /// - Parameters:
    ///   - router: The router, or a group of it.
    ///   - path: The route's path.
    ///   - handler: Called with each verified event; throw to have the sender try again.
    public func route<Context: RequestContext>(
        on router: some RouterMethods<Context>,
        path: RouterPath,
        _ handler: @escaping @Sendable (VerifiedWebhook, Context) async throws -> Void
    ) {
        router.post(path) { request, context -> HTTPResponse.Status in
            let event = try await verify(request)
            try await handler(event, context)
            return .noContent
        }
    }
}

/// A webhook request whose signature and timestamp checked out.
public struct VerifiedWebhook: Sendable, Hashable {
    /// The event's id, from `webhook-id`: the same for every retry, so use it to deduplicate.
    public let id: String
    /// When the sender signed the request, from `webhook-timestamp`.
    public let timestamp: Date
    /// The request's `content-type`, if it had one.
    public let contentType: String?
    /// The body, exactly as signed.
    public let body: Data
}
