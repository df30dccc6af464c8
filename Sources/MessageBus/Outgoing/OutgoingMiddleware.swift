import Messaging

/// The rest of a bus's outgoing chain, as an outgoing middleware sees it: the next link, and at
/// the end the transport. Returns the messages as they were sent.
public typealias NextPublisher =
    nonisolated(nonsending) @Sendable ([Message], String, OutgoingContext) async throws -> [Message]

/// A link of a bus's outgoing pipeline: runs code before and after a batch is sent, changes its
/// messages, or sends them somewhere else.
///
/// Every message a bus sends passes one ordered chain of outgoing middleware: what ``Bus``'s
/// `publish` methods publish, what handlers return (replies included), and what handlers and
/// middleware publish through ``HandlerContext/publish(_:to:)-([Message],_)``, dead letters and
/// wire-tap copies among them, and the requests of a ``Requester`` and the replays of a
/// ``DeadLetterQueue`` made on the bus. The bus's own links come first: one gives each message the bus's
/// source, its correlation and causation ids and the trace context; one counts the messages
/// published, once the rest of the chain has sent them. The links passed to ``Bus`` follow, in
/// order, and the transport is last.
///
/// A link calls `next` to continue the chain and returns what it returns:
///
/// ```swift
/// struct StampTenant: OutgoingMiddleware {
///     var tenant: String
///
///     func publish(_ messages: [Message], to topic: String, context: OutgoingContext, next: NextPublisher)
///         async throws -> [Message]
///     {
///         var messages = messages
///         for index in messages.indices {
///             messages[index].headers["tenant"] = tenant
///         }
///         return try await next(messages, topic, context)
///     }
/// }
///
/// let bus = Bus(transport: transport, outgoing: [StampTenant(tenant: "acme")])
/// ```
///
/// A link that does not call `next` keeps the batch from the transport, and should say so by
/// throwing unless it stored the batch to send later, as an outbox does.
public protocol OutgoingMiddleware: Sendable {
    /// Sends `messages` to `topic` by calling `next`, and returns the messages as sent.
    nonisolated(nonsending) func publish(
        _ messages: [Message],
        to topic: String,
        context: OutgoingContext,
        next: NextPublisher
    ) async throws -> [Message]
}

extension Array where Element == any OutgoingMiddleware {
    /// These links in order, the first one outermost, ending with `last`.
    func chained(to last: @escaping NextPublisher) -> NextPublisher {
        var chain = last
        for link in reversed() {
            let next = chain
            chain = { messages, topic, context in
                try await link.publish(messages, to: topic, context: context, next: next)
            }
        }
        return chain
    }
}
