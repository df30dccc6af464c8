import ChannelAdapter
import Hummingbird
import Logging
import MessageBus
import Messaging
import Metrics
import NIOCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A Channel Adapter for systems that push over HTTP: a route that takes a JSON body, checks
/// it, publishes it on a topic of a bus, and answers.
///
/// ```swift
/// let endpoint = InboundEndpoint(bus: bus, topic: "purchase-orders", as: PurchaseOrder.self)
/// let router = Router()
/// endpoint.register(on: router, at: "orders")
/// ```
///
/// The request goes through these checks, in order, and nothing is published unless all pass:
///
/// | Problem | Answer |
/// |---|---|
/// | `Content-Type` missing, or not `application/json` or `…+json` | 415 |
/// | A body larger than ``maximumBodyBytes`` | 413 |
/// | A body that is not JSON, or not a `Value` | 400, naming the field that was wrong |
/// | The `validate` closure throws | 400 (422 if the error says so), with the error |
/// | The `message` closure throws: the value cannot be made into a message | 500 |
/// | The bus refuses to publish — the transport is down or full | 503 |
///
/// Every error answer is JSON: `{"error": "...", "field": "..."}`, the field present when one
/// was at fault. A published request is answered with the `answer` closure's value, as JSON,
/// with the status given (200 by default); the default answer is an ``InboundReceipt``. An answer
/// whose layout JSONEncoder cannot write — keys in a given order, an indentation of its own —
/// comes from a `respond` closure that returns the whole `Response`.
///
/// Metrics, labelled `topic`: `channel_adapter_inbound_total`, also labelled `status` with the
/// answer's status code.
public struct InboundEndpoint<Value: BusMessage>: Sendable {
    /// The bus the endpoint publishes on; its outgoing middleware applies.
    public let bus: Bus
    /// The topic the endpoint publishes to.
    public let topic: String
    /// The largest body accepted, in bytes.
    public let maximumBodyBytes: Int
    private let makeDecoder: @Sendable () -> JSONDecoder
    private let makeEncoder: @Sendable () -> JSONEncoder
    private let validate: @Sendable (Value) throws -> Void
    private let message: @Sendable (Value) throws -> Message
    private let respond: @Sendable (Value, Message) throws -> Response
    private let metricsFactory: any MetricsFactory

    /// Creates an endpoint.
    ///
    /// - Parameters:
    ///   - bus: The bus to publish on.
    ///   - topic: The topic to publish to.
    ///   - type: The type the body decodes as.
    ///   - maximumBodyBytes: The largest body accepted. Default: 1 MiB.
    ///   - status: The status of a successful answer. Default: 200.
    ///   - makeDecoder: Makes the decoder of the body. Default: a plain `JSONDecoder`.
    ///   - makeEncoder: Makes the encoder of the answer. Default: a `JSONEncoder` with sorted
    ///     keys and unescaped slashes.
    ///   - validate: Checks a decoded value beyond its type — through a datatype channel, for
    ///     example; what it throws is answered 400 (or the status of an `HTTPResponseError`).
    ///     Default: no check.
    ///   - message: Makes the message to publish. Default: `Message(value)`, of the value's
    ///     `messageType`, in JSON.
    ///   - metricsFactory: Where the metrics go. Default: the bus's factory.
    ///   - answer: The body of a successful answer, from the value and the message as published.
    public init<Answer: Encodable>(
        bus: Bus,
        topic: String,
        as type: Value.Type,
        maximumBodyBytes: Int = 1 << 20,
        status: HTTPResponse.Status = .ok,
        makeDecoder: @escaping @Sendable () -> JSONDecoder = { JSONDecoder() },
        makeEncoder: @escaping @Sendable () -> JSONEncoder = {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return encoder
        },
        validate: @escaping @Sendable (Value) throws -> Void = { _ in },
        message: @escaping @Sendable (Value) throws -> Message = { try Message($0) },
        metricsFactory: (any MetricsFactory)? = nil,
        answer: @escaping @Sendable (Value, Message) throws -> Answer
    ) {
        self.init(
            bus: bus,
            topic: topic,
            as: type,
            maximumBodyBytes: maximumBodyBytes,
            makeDecoder: makeDecoder,
            makeEncoder: makeEncoder,
            validate: validate,
            message: message,
            metricsFactory: metricsFactory
        ) { value, published in
            let body = try makeEncoder().encode(try answer(value, published))
            return Response(
                status: status,
                headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
            )
        }
    }

    /// Creates an endpoint whose successful answers `respond` writes whole: status, headers and
    /// body.
    ///
    /// - Parameters:
    ///   - bus: The bus to publish on.
    ///   - topic: The topic to publish to.
    ///   - type: The type the body decodes as.
    ///   - maximumBodyBytes: The largest body accepted. Default: 1 MiB.
    ///   - makeDecoder: Makes the decoder of the body. Default: a plain `JSONDecoder`.
    ///   - makeEncoder: Makes the encoder of error answers. Default: a `JSONEncoder` with sorted
    ///     keys and unescaped slashes.
    ///   - validate: Checks a decoded value beyond its type; what it throws is answered 400 (or
    ///     the status of an `HTTPResponseError`). Default: no check.
    ///   - message: Makes the message to publish. Default: `Message(value)`, of the value's
    ///     `messageType`, in JSON.
    ///   - metricsFactory: Where the metrics go. Default: the bus's factory.
    ///   - respond: The answer to a published request, from the value and the message as
    ///     published.
    public init(
        bus: Bus,
        topic: String,
        as type: Value.Type,
        maximumBodyBytes: Int = 1 << 20,
        makeDecoder: @escaping @Sendable () -> JSONDecoder = { JSONDecoder() },
        makeEncoder: @escaping @Sendable () -> JSONEncoder = {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return encoder
        },
        validate: @escaping @Sendable (Value) throws -> Void = { _ in },
        message: @escaping @Sendable (Value) throws -> Message = { try Message($0) },
        metricsFactory: (any MetricsFactory)? = nil,
        respond: @escaping @Sendable (Value, Message) throws -> Response
    ) {
        self.bus = bus
        self.topic = topic
        self.maximumBodyBytes = max(0, maximumBodyBytes)
        self.makeDecoder = makeDecoder
        self.makeEncoder = makeEncoder
        self.validate = validate
        self.message = message
        self.respond = respond
        self.metricsFactory = metricsFactory ?? bus.metricsFactory
    }

    /// Adds the endpoint to `router` as the handler of `method` (default: `POST`) on `path`.
    public func register<Context: RequestContext>(
        on router: Router<Context>,
        at path: RouterPath,
        method: HTTPRequest.Method = .post
    ) {
        router.on(path, method: method) { request, context in
            await self.handle(request, context: context)
        }
    }

    /// Checks, publishes and answers one request; see the type's description.
    public func handle(_ request: Request, context: some RequestContext) async -> Response {
        let response = await respond(to: request)
        Counter(
            label: "channel_adapter_inbound_total",
            dimensions: [("topic", topic), ("status", "\(response.status.code)")],
            factory: metricsFactory
        ).increment()
        return response
    }

    private func respond(to request: Request) async -> Response {
        guard let contentType = request.headers[.contentType], Self.isJSON(contentType) else {
            let given = request.headers[.contentType].map { "'\($0)'" } ?? "none"
            return problem(.unsupportedMediaType, "the body must be application/json, not \(given)")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maximumBodyBytes {
            return problem(.contentTooLarge, "the body must be at most \(maximumBodyBytes) bytes, not \(length)")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maximumBodyBytes)
        } catch is NIOTooManyBytesError {
            return problem(.contentTooLarge, "the body must be at most \(maximumBodyBytes) bytes")
        } catch {
            return problem(.badRequest, "the body could not be read: \(error)")
        }
        let value: Value
        do {
            value = try makeDecoder().decode(Value.self, from: Data(body.readableBytesView))
        } catch let error as DecodingError {
            let (reason, field) = Self.describe(error)
            return problem(.badRequest, reason, field: field)
        } catch {
            return problem(.badRequest, "the body is not valid: \(error)")
        }
        let published: Message
        do {
            try validate(value)
        } catch let error as any HTTPResponseError {
            return problem(error.status, "the body is not valid: \(error)")
        } catch {
            return problem(.badRequest, "the body is not valid: \(error)")
        }
        let outgoing: Message
        do {
            outgoing = try message(value)
        } catch {
            bus.logger.error("Could not make a message of an inbound request", metadata: ["error": "\(error)"])
            return problem(.internalServerError, "the request could not be made into a message")
        }
        do {
            published = try await bus.publish(outgoing, to: topic)
        } catch {
            bus.logger.warning(
                "Could not publish an inbound request",
                metadata: ["topic": "\(topic)", "error": "\(error)"]
            )
            return problem(.serviceUnavailable, "the message could not be published; try again later")
        }
        do {
            return try respond(value, published)
        } catch {
            bus.logger.error("Could not encode the answer", metadata: ["topic": "\(topic)", "error": "\(error)"])
            return problem(.internalServerError, "the message was published as \(published.id) but the answer failed")
        }
    }

    /// Whether a `Content-Type` is JSON: `application/json` or `application/…+json`, any
    /// parameters aside.
    static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        let trimmed = mediaType.filter { !$0.isWhitespace }.lowercased()
        return trimmed == "application/json" || (trimmed.hasPrefix("application/") && trimmed.hasSuffix("+json"))
    }

    /// What was wrong with a body that did not decode, and the field at fault.
    static func describe(_ error: DecodingError) -> (reason: String, field: String?) {
        func name(_ path: [any CodingKey]) -> String? {
            let names = path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return names.isEmpty ? nil : names.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = name(context.codingPath + [key]) ?? key.stringValue
            return ("missing field '\(field)'", field)
        case .typeMismatch(let type, let context):
            guard let field = name(context.codingPath) else {
                return ("the body is not of the expected shape: \(context.debugDescription)", nil)
            }
            return ("field '\(field)' is not of type \(type)", field)
        case .valueNotFound(let type, let context):
            let field = name(context.codingPath) ?? "body"
            return ("field '\(field)' must be a \(type), not null", field)
        case .dataCorrupted(let context):
            guard let field = name(context.codingPath) else {
                return ("the body is not valid JSON", nil)
            }
            return ("field '\(field)' is not valid: \(context.debugDescription)", field)
        @unknown default:
            return ("the body is not valid: \(error)", nil)
        }
    }

    private func problem(_ status: HTTPResponse.Status, _ reason: String, field: String? = nil) -> Response {
        json(InboundProblem(error: reason, field: field), status: status)
    }

    private func json(_ value: some Encodable, status: HTTPResponse.Status) -> Response {
        let data = (try? makeEncoder().encode(value)) ?? Data(#"{"error":"the answer could not be encoded"}"#.utf8)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}

extension InboundEndpoint {
    /// Creates an endpoint that answers an ``InboundReceipt``: the message's id and topic.
    ///
    /// See ``init(bus:topic:as:maximumBodyBytes:status:makeDecoder:makeEncoder:validate:message:metricsFactory:answer:)``.
    public init(
        bus: Bus,
        topic: String,
        as type: Value.Type,
        maximumBodyBytes: Int = 1 << 20,
        status: HTTPResponse.Status = .ok,
        validate: @escaping @Sendable (Value) throws -> Void = { _ in }
    ) {
        self.init(
            bus: bus,
            topic: topic,
            as: type,
            maximumBodyBytes: maximumBodyBytes,
            status: status,
            validate: validate
        ) { _, message in
            InboundReceipt(id: message.id, topic: topic)
        }
    }
}

/// The body of an error answer.
private struct InboundProblem: Encodable {
    var error: String
    var field: String?
}
