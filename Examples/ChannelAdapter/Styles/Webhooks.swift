import AsyncHTTPClient
import ExampleSupport
import Foundation
import Hummingbird
import MessageSecurity
import Messaging
import NIOCore
import Synchronization

/// The webhook side of the styles demo: the subscriptions a receiver registered, the dispatcher
/// that calls them, and the receiver that verifies what it is sent.
///
/// - `POST /webhooks/subscriptions` with `{"url": ..., "events": ["usuario.registrado"],
///   "secret": "whsec_..."}`: registers the URL for those event types, signed with the secret;
///   201 with the subscription, without its secret.
/// - `POST /webhooks/receiver`: the receiver's URL; 204 when `webhook-id`,
///   `webhook-timestamp` and `webhook-signature` verify against its secret, 401 otherwise.
/// - `GET /webhooks/received`: the events the receiver accepted.
final class Webhooks: Sendable {
    /// One registered URL.
    struct Subscription: Sendable {
        var url: String
        var events: [String]
        var secret: WebhookSecret
    }

    /// The dispatcher's client: it follows no redirects, so a URL cannot send the event on to
    /// an address it was not registered with.
    private static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    private let subscriptions = Mutex<[Subscription]>([])
    private let received = Mutex<[JSONValue]>([])
    /// The receiver's secret, the one it registered with.
    private let receiverSecret = Mutex<WebhookSecret?>(nil)

    /// Creates an empty list.
    init() {}

    /// How many events the receiver accepted.
    var receivedCount: Int {
        received.withLock { $0.count }
    }

    /// POSTs `message` to every subscription of its type, signed; throws, for the bus to try
    /// again, when a URL does not answer 2xx.
    func dispatch(_ message: Message) async throws {
        let targets = subscriptions.withLock { $0 }.filter { $0.events.contains(message.type) }
        for target in targets {
            let signer = WebhookSigner(secrets: [target.secret])
            var request = HTTPClientRequest(url: target.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            for (name, value) in signer.headers(id: message.id, timestamp: Date(), body: message.payload) {
                request.headers.add(name: name, value: value)
            }
            request.body = .bytes(ByteBuffer(bytes: message.payload))
            let response = try await Self.client.execute(request, timeout: .seconds(10))
            guard (200..<300).contains(response.status.code) else {
                throw WebhookRefused(url: target.url, status: Int(response.status.code))
            }
        }
    }

    /// Adds the subscription, receiver and listing routes to `router`.
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("webhooks/subscriptions") { request, _ in
            let body = try await request.body.collect(upTo: 64 * 1024)
            let registration: Registration
            do {
                registration = try JSONDecoder().decode(Registration.self, from: Data(buffer: body))
            } catch let error as DecodingError {
                throw APIError.invalidBody(error)
            }
            guard registration.url.hasPrefix("http://") || registration.url.hasPrefix("https://") else {
                throw APIError(.badRequest, "url must be an http:// or https:// URL", field: "url")
            }
            let secret: WebhookSecret
            do {
                secret = try WebhookSecret(registration.secret)
            } catch {
                throw APIError(.badRequest, "secret is not a Standard Webhooks secret: \(error)", field: "secret")
            }
            self.subscriptions.withLock {
                $0.append(Subscription(url: registration.url, events: registration.events, secret: secret))
            }
            self.receiverSecret.withLock { $0 = secret }
            return Response.json(
                .object([
                    ("url", .string(registration.url)),
                    ("events", .array(registration.events.map(JSONValue.string))),
                ]),
                status: .created
            )
        }
        router.post("webhooks/receiver") { request, _ in
            let body = Data(buffer: try await request.body.collect(upTo: 64 * 1024))
            guard let secret = self.receiverSecret.withLock({ $0 }) else {
                throw APIError(.unauthorized, "the receiver has registered no secret")
            }
            let headers = request.headers.map { ($0.name.rawName, $0.value) }
            do {
                try WebhookVerifier(secrets: [secret]).verify(headers: headers, body: body)
            } catch let error as SecurityError {
                throw APIError(.unauthorized, "the webhook does not verify: \(error.reason)")
            }
            let event = (try? JSONDecoder().decode(UserRegistered.self, from: body))?.json ?? .string("")
            self.received.withLock {
                $0.append(.object([("event", event), ("signature", .string("verified"))]))
            }
            return Response(status: .noContent)
        }
        router.get("webhooks/received") { _, _ in
            Response.json(.object([("received", .array(self.received.withLock { $0 }))]))
        }
    }
}

/// The body of `POST /webhooks/subscriptions`.
private struct Registration: Decodable {
    var url: String
    var events: [String]
    var secret: String
}

/// A webhook URL answered other than 2xx.
struct WebhookRefused: Error, CustomStringConvertible {
    var url: String
    var status: Int
    var description: String { "\(url) answered \(status)" }
}
