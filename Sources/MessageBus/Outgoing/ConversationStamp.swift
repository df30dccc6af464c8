import Messaging
import Tracing

/// The first link of every outgoing chain: gives each message the bus's source (unless it has
/// its own), a correlation id (the handled message's conversation, or its own id), the id of
/// the handled message as causation id, and the trace context.
struct ConversationStamp: OutgoingMiddleware {
    /// The source messages with the default source get: `/<bus name>`.
    let source: String
    let tracer: any Tracer

    nonisolated(nonsending) func publish(
        _ messages: [Message],
        to topic: String,
        context: OutgoingContext,
        next: NextPublisher
    ) async throws -> [Message] {
        var messages = messages
        let incoming = context.handling?.delivery.message
        for index in messages.indices {
            stamp(&messages[index], handling: context.handling, incoming: incoming, in: context.serviceContext)
        }
        return try await next(messages, topic, context)
    }

    private func stamp(
        _ message: inout Message,
        handling: HandlerContext?,
        incoming: Message?,
        in serviceContext: ServiceContext
    ) {
        if message.source == Message.defaultSource {
            message.source = source
        }
        if message.correlationID == nil {
            message.correlationID = handling?.correlationID ?? message.id
        }
        if let incoming {
            if message.causationID == nil, message.id != incoming.id {
                message.causationID = incoming.id
            }
            // Without a tracer that writes it, the handled message's trace context is passed on.
            if message.headers[MessageHeader.traceParent] == nil,
                let traceParent = incoming.headers[MessageHeader.traceParent]
            {
                message.headers[MessageHeader.traceParent] = traceParent
                message.headers[MessageHeader.traceState] = incoming.headers[MessageHeader.traceState]
            }
        }
        tracer.inject(serviceContext, into: &message.headers, using: HeaderInjector())
    }
}
