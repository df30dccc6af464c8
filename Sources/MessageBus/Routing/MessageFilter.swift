import Messaging

/// Lets through only the messages a predicate accepts; the others are acknowledged without
/// reaching the handler.
public struct MessageFilter: MessageMiddleware {
    private let accepts: @Sendable (Message) throws -> Bool

    /// A filter that passes the messages `accepts` returns `true` for. A throw fails the message.
    public init(_ accepts: @escaping @Sendable (Message) throws -> Bool) {
        self.accepts = accepts
    }

    /// Runs `next` if the message is accepted; otherwise produces nothing.
    nonisolated(nonsending) public func handle(_ message: Message, context: HandlerContext, next: NextHandler)
        async throws -> [OutgoingMessage]
    {
        guard try accepts(message) else {
            context.metrics.filtered.increment()
            context.logger.debug("Message filtered out")
            return []
        }
        return try await next(message, context)
    }
}
