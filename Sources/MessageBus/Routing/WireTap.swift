import Messaging

/// Publishes a copy of every message to a monitoring topic before handling it.
///
/// The copy — the message as it arrived — is published first, through the bus's outgoing pipeline
/// (see ``HandlerContext/publish(_:to:)-([Message],_)``); if that fails, the message is rejected and
/// redelivered, so the tap misses nothing. A message handled twice is tapped twice.
public struct WireTap: MessageMiddleware {
    /// The monitoring topic.
    public let topic: String

    /// A wire tap that copies messages to `topic`.
    public init(topic: String) {
        self.topic = topic
    }

    /// Copies `message` to ``topic``, then runs `next`.
    nonisolated(nonsending) public func handle(_ message: Message, context: HandlerContext, next: NextHandler)
        async throws -> [OutgoingMessage]
    {
        try await context.publish(context.delivery.message, to: topic)
        return try await next(message, context)
    }
}
