import ChannelAdapter
import ChannelAdapterHTTP
import ExampleSupport
import Foundation
import Hummingbird
import MessageSecurity
import Synchronization

/// The webhook side of the styles demo: a publisher that keeps webhook subscriptions and posts
/// each event to them, and a receiver that verifies what it is sent.
///
/// - `POST /webhooks/subscriptions` with `{"url": ..., "eventTypes": ["usuario.registrado"]}`:
///   registers the URL; 201 with the subscription and, this once, its signing secret.
/// - `PUT /webhooks/receiver/secret` with `{"secret": "whsec_..."}`: the receiver keeps the
///   secret it was handed; 204.
/// - `POST /webhooks/receiver`: the receiver's URL; 204 when `webhook-id`, `webhook-timestamp`
///   and `webhook-signature` verify against its secret, 401 otherwise.
/// - `GET /webhooks/received`: the events the receiver accepted.
final class WebhookStyle: Sendable {
    /// Posts the events to the subscriptions: a `Service` and the handler of the group
    /// `webhooks`. The demo's receiver listens on 127.0.0.1, an address the dispatcher refuses
    /// unless private networks are allowed.
    let dispatcher: WebhookDispatcher

    private let secrets = Mutex<[WebhookSecret]>([])
    private let received = Mutex<[JSONValue]>([])

    /// Creates the publisher over `store`, where the subscriptions are kept.
    init(store: any SubscriptionStore) {
        dispatcher = WebhookDispatcher(store: store, targetPolicy: .allowPrivateNetworks, retryPeriod: .seconds(60))
    }

    /// How many events the receiver accepted.
    var receivedCount: Int {
        received.withLock { $0.count }
    }

    /// Adds the subscription, receiver and listing routes to `router`.
    func addRoutes(to router: Router<BasicRequestContext>) {
        WebhookSubscriptionRoutes(dispatcher: dispatcher).add(to: router.group("webhooks/subscriptions"))
        router.put("webhooks/receiver/secret") { request, _ in
            let body = try await request.body.collect(upTo: 4096)
            let handed: HandedSecret
            do {
                handed = try JSONDecoder().decode(HandedSecret.self, from: Data(buffer: body))
            } catch let error as DecodingError {
                throw APIError.invalidBody(error)
            }
            let secret: WebhookSecret
            do {
                secret = try WebhookSecret(handed.secret)
            } catch {
                throw APIError(.badRequest, "secret is not a Standard Webhooks secret: \(error)", field: "secret")
            }
            self.secrets.withLock { $0 = [secret] }
            return Response(status: .noContent)
        }
        router.post("webhooks/receiver") { request, _ in
            let secrets = self.secrets.withLock { $0 }
            guard !secrets.isEmpty else {
                throw APIError(.unauthorized, "the receiver holds no secret yet")
            }
            let event = try await WebhookReceiver(secrets: secrets).verify(request)
            let user = (try? JSONDecoder().decode(UserRegistered.self, from: event.body))?.json ?? .string("")
            self.received.withLock {
                $0.append(
                    .object([("event", user), ("webhook-id", .string(event.id)), ("signature", .string("verified"))])
                )
            }
            return Response(status: .noContent)
        }
        router.get("webhooks/received") { _, _ in
            Response.json(.object([("received", .array(self.received.withLock { $0 }))]))
        }
    }
}

/// The body of `PUT /webhooks/receiver/secret`.
private struct HandedSecret: Decodable {
    var secret: String
}
