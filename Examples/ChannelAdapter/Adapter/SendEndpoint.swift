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

/// The seed's inbound endpoint, `POST /send` on :5000: takes a JSON message, publishes it on
/// ``Topics/messages``, and answers the seed's JSON:
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
struct SendEndpoint: Sendable {
    /// The answer's `message`, word for word the seed's.
    static let sentAnswer = "Mensaje enviado a Kafka"
    /// The largest body read.
    static let maximumBodyBytes = 64 * 1024

    let bus: Bus

    /// Adds `POST /send` to `router`.
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("send") { request, _ in
            try await send(request)
        }
    }

    /// Checks, publishes and answers one request.
    func send(_ request: Request) async throws -> Response {
        let contentType = request.headers[.contentType] ?? ""
        let mediaType = contentType.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard mediaType == "application/json" else {
            throw APIError(
                .unsupportedMediaType,
                "the body must be application/json; got \(contentType.isEmpty ? "no Content-Type" : contentType)"
            )
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maximumBodyBytes)
        } catch {
            throw APIError(.contentTooLarge, "the body is over \(Self.maximumBodyBytes) bytes")
        }
        let message: SeedMessage
        do {
            message = try JSONDecoder().decode(SeedMessage.self, from: Data(buffer: body))
        } catch let error as DecodingError {
            throw APIError.invalidBody(error)
        }
        do {
            try await bus.publish(message, to: Topics.messages)
        } catch {
            throw APIError(.serviceUnavailable, "the message was not sent: \(error)")
        }
        return Response.json(.object([("data", message.json), ("message", .string(Self.sentAnswer))]))
    }
}
