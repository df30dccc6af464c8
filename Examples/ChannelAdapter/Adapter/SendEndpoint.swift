import ChannelAdapterHTTP
import ExampleSupport
import Foundation
import Hummingbird
import MessageBus

/// The seed's message: `{"id": 1, "mensaje": "Hola desde Postman"}`.
struct SeedMessage: BusMessage, Equatable {
    static let messageType = "adapter.mensaje"

    var id: Int
    var mensaje: String

    var partitionKey: String? { String(id) }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case id, mensaje
    }

    init(id: Int, mensaje: String) {
        self.id = id
        self.mensaje = mensaje
    }

    /// Decodes the two fields, typed, and refuses any other: an unknown field would be lost.
    init(from decoder: any Decoder) throws {
        let names = try decoder.container(keyedBy: FieldName.self).allKeys.map(\.stringValue)
        if let unknown = names.sorted().first(where: { CodingKeys(rawValue: $0) == nil }) {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: [FieldName(stringValue: unknown)],
                    debugDescription: "is not a field of the message (id, mensaje)"
                )
            )
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(Int.self, forKey: .id)
        mensaje = try container.decode(String.self, forKey: .mensaje)
    }

    /// The message as the seed shows it: `id`, then `mensaje`.
    var json: JSONValue {
        .object([("id", .integer(id)), ("mensaje", .string(mensaje))])
    }
}

/// Any field name of a JSON object.
private struct FieldName: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// The seed's inbound endpoint, `POST /send` on :5000: an `InboundEndpoint` that takes a JSON
/// message, publishes it on ``Topics/messages``, and answers the seed's JSON:
///
/// ```
/// {
///     "data": {
///         "id": 1,
///         "mensaje": "Hola desde Postman"
///     },
///     "message": "Mensaje enviado a Kafka"
/// }
/// ```
///
/// Refused before anything is published: a `Content-Type` other than JSON (415), a body over
/// 64 KiB (413), a body that is not the message — bad JSON, a field missing, mistyped or
/// unknown (400, naming the field). 503 when the transport does not take it.
///
/// The answer is written with `JSONValue`, keeping the seed's layout: four spaces, keys in the
/// seed's order.
struct SendEndpoint: Sendable {
    /// The answer's `message`, word for word the seed's.
    static let sentAnswer = "Mensaje enviado a Kafka"
    /// The largest body read.
    static let maximumBodyBytes = 64 * 1024

    let endpoint: InboundEndpoint<SeedMessage>

    /// An endpoint that publishes on `bus`.
    init(bus: Bus) {
        endpoint = InboundEndpoint(
            bus: bus,
            topic: Topics.messages,
            as: SeedMessage.self,
            maximumBodyBytes: Self.maximumBodyBytes
        ) { message, _ in
            Response.json(.object([("data", message.json), ("message", .string(Self.sentAnswer))]))
        }
    }

    /// Adds `POST /send` to `router`.
    func addRoutes(to router: Router<BasicRequestContext>) {
        endpoint.register(on: router, at: "send")
    }
}
