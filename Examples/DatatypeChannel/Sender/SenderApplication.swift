import DatatypeChannel
import ExampleSupport
import Foundation
import Hummingbird
import MessageBus
import Messaging

/// The sender (*productor*): picks the channel by the type of what it sends, and is told at once
/// when what it sends is not of that type.
///
/// - `POST /send_message`: a customer record as JSON, sent on the customer channel; answers the
///   seed's `{"message": ..., "status": "success"}`.
/// - `POST /send/{channel}`: the body, of the request's `Content-Type`, sent on the channel
///   named (`customer`, `text`, `image`, `video`, `document`).
/// - `GET /channels`: the catalog, with each channel's JSON Schema.
///
/// Input that is not of the channel's type is refused before anything is published: 404 for an
/// unknown channel, 413 for a body over the channel's limit, 415 for another media type, 400
/// for a body that does not decode or breaks a rule, each with a JSON error naming the field.
struct SenderApplication: Sendable {
    /// The answer to `POST /send_message`, word for word the seed's.
    static let sentAnswer = "Mensaje enviado a Kafka y almacenado en Redis"
    /// The largest body read for a channel without a limit of its own.
    static let maximumBodyBytes = 16 * 1024 * 1024

    let bus: Bus
    let catalog: ChannelCatalog

    /// Adds the sender's routes to `router`.
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("send_message") { request, _ in
            _ = try await send(request, toChannel: Channels.customers.name)
            return Response.json(.object([("message", .string(Self.sentAnswer)), ("status", .string("success"))]))
        }
        router.post("send/:channel") { request, context in
            let channel = try context.parameters.require("channel")
            let message = try await send(request, toChannel: channel)
            return Response.json(
                .object([
                    ("channel", .string(channel)),
                    ("id", .string(message.id)),
                    ("message", .string("Sent on channel '\(channel)' as \(message.dataContentType ?? "bytes")")),
                    ("status", .string("success")),
                ])
            )
        }
        router.get("channels") { [catalog] _, _ in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let body = try encoder.encode(["channels": catalog.channels])
            return Response(
                status: .ok,
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: body + Data("\n".utf8)))
            )
        }
    }

    /// Checks the request's body as the channel's datatype and publishes it.
    private func send(_ request: Request, toChannel name: String) async throws(APIError) -> Message {
        let limit: Int
        do {
            limit = try catalog.channel(named: name).maximumBytes ?? Self.maximumBodyBytes
        } catch {
            throw Self.refusal(error)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, "the body is over the channel's limit of \(limit) bytes")
        }
        let outgoing: OutgoingMessage
        do {
            outgoing = try catalog.message(
                forChannel: name,
                payload: Data(buffer: body),
                contentType: request.headers[.contentType]
            )
        } catch {
            throw Self.refusal(error)
        }
        do {
            return try await bus.publish(outgoing.message, to: outgoing.topic)
        } catch {
            throw APIError(.serviceUnavailable, "the channel '\(name)' did not take the message: \(error)")
        }
    }

    /// The HTTP answer to a refused input.
    static func refusal(_ error: DatatypeError) -> APIError {
        let status: HTTPResponse.Status =
            switch error.code {
            case .unknownChannel: .notFound
            case .tooLarge: .contentTooLarge
            case .typeMismatch: .unsupportedMediaType
            default: .badRequest
            }
        return APIError(status, error.reason, field: error.fieldPath)
    }
}
