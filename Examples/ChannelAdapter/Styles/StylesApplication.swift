import ChannelAdapterHTTP
import ExampleSupport
import Foundation
import Hummingbird
import MessageBus
import Messaging
import NIOCore
import Synchronization

/// The event of course case 003: a user registered (*usuario registrado*).
struct UserRegistered: BusMessage, Equatable {
    static let messageType = "usuario.registrado"

    var id: Int
    var nombre: String
    var email: String

    var partitionKey: String? { String(id) }

    /// The event as the answers show it.
    var json: JSONValue {
        .object([("id", .integer(id)), ("nombre", .string(nombre)), ("email", .string(email))])
    }
}

/// Course case 003, runnable: one event delivered three ways, on :5030.
///
/// - **As a queue**: the group `correo` has two competing consumers; each event is handled by
///   one of them, once.
/// - **As publish/subscribe**: the groups `correo`, `perfil` and `estadisticas` each receive
///   every event.
/// - **As a webhook**: a receiver registers a URL (`POST /webhooks/subscriptions`); the group
///   `webhooks` POSTs each event there, signed with Standard Webhooks, and the receiver
///   (`POST /webhooks/receiver`) verifies the signature and the timestamp before it accepts it.
///
/// `POST /usuarios` publishes the event; `GET /deliveries` says which group handled it how many
/// times; `GET /webhooks/received` lists what the receiver accepted.
struct StylesApplication: Sendable {
    /// The topic of the event.
    static let topic = "usuarios.registrados"
    /// The consumer groups and how many competing members each has.
    static let groups = [("correo", 2), ("estadisticas", 1), ("perfil", 1)]

    let bus: Bus
    let deliveries: Deliveries
    let webhooks: WebhookStyle

    /// Registers every group's members on `bus`, and `webhooks`' dispatcher as the handler of
    /// the group `webhooks`.
    init(bus: Bus, webhooks: WebhookStyle) throws {
        self.bus = bus
        let deliveries = Deliveries()
        self.deliveries = deliveries
        self.webhooks = webhooks
        for (group, members) in Self.groups {
            for member in 1...members {
                let name = members > 1 ? "\(group)-\(member)" : group
                try bus.consume(UserRegistered.self, from: Self.topic, group: group, name: name) { _, _ in
                    deliveries.record(group: group, member: name)
                }
            }
        }
        try bus.handle(from: Self.topic, group: "webhooks", name: "webhook-dispatcher", handler: webhooks.dispatcher)
    }

    /// Adds the routes to `router`.
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("usuarios") { [bus] request, _ in
            let body = try await request.body.collect(upTo: 64 * 1024)
            let user: UserRegistered
            do {
                user = try JSONDecoder().decode(UserRegistered.self, from: Data(buffer: body))
            } catch let error as DecodingError {
                throw APIError.invalidBody(error)
            }
            try await bus.publish(user, to: Self.topic)
            return Response.json(
                .object([("published", .string(Self.topic)), ("event", .string(UserRegistered.messageType))]),
                status: .accepted
            )
        }
        router.get("deliveries") { [deliveries] _, _ in
            Response.json(deliveries.json)
        }
        webhooks.addRoutes(to: router)
    }
}

/// Which member of which group handled the event, and how often.
final class Deliveries: Sendable {
    private let handled = Mutex<[String: [String]]>([:])

    /// Records that `member` of `group` handled an event.
    func record(group: String, member: String) {
        handled.withLock { $0[group, default: []].append(member) }
    }

    /// How many times `group` handled an event.
    func count(of group: String) -> Int {
        handled.withLock { $0[group]?.count ?? 0 }
    }

    /// Per group, by name: its members and how many times it handled an event.
    var json: JSONValue {
        let handled = handled.withLock { $0 }
        return .object(
            StylesApplication.groups.map { group, members -> (String, JSONValue) in
                (
                    group,
                    .object([
                        ("consumers", .integer(members)), ("handled", .integer(handled[group]?.count ?? 0)),
                    ])
                )
            }
        )
    }
}
