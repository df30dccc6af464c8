import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Moves a message its handler cannot process to a dead-letter topic, so the stream goes on.
///
/// When the rest of the chain throws (after ``Retry`` gave up, or at once for a non-retriable
/// error), the original message, as it arrived, is published through the bus's outgoing
/// pipeline (see ``HandlerContext/publish(_:to:)-([Message],_)``) to ``topic`` with headers naming
/// why (see ``MessageHeader/DeadLetter``): the reason code, the error, the source topic, the
/// group, the handler and the attempt count. Then the notifier is told, and the original is
/// acknowledged. If publishing the dead letter fails, that error is thrown and the original is
/// rejected for redelivery instead: a message is never dropped.
///
/// ``DeadLetterQueue`` lists dead letters and replays them to their source topics.
public struct DeadLetterChannel: MessageMiddleware {
    /// The dead-letter topic.
    public let topic: String
    private let notifier: (any Notifier)?
    private let shouldDeadLetter: @Sendable (any Error) -> Bool

    /// Creates a dead-letter channel.
    ///
    /// - Parameters:
    ///   - topic: Where dead letters go.
    ///   - notifier: Who is told about each dead letter. Default: nobody.
    ///   - shouldDeadLetter: Which errors dead-letter a message; others are rethrown. Default: every
    ///     error.
    public init(
        topic: String,
        notifier: (any Notifier)? = nil,
        when shouldDeadLetter: @escaping @Sendable (any Error) -> Bool = { _ in true }
    ) {
        self.topic = topic
        self.notifier = notifier
        self.shouldDeadLetter = shouldDeadLetter
    }

    /// Runs `next`; dead-letters the message if it throws.
    nonisolated(nonsending) public func handle(_ message: Message, context: HandlerContext, next: NextHandler)
        async throws -> [OutgoingMessage]
    {
        do {
            return try await next(message, context)
        } catch {
            guard shouldDeadLetter(error) else { throw error }
            var failure = MessageBusError.wrapping(error, in: context)
            failure.attempts = failure.attempts ?? Int(message.headers[MessageHeader.attempt] ?? "") ?? 1
            let notification = try await context.deadLetter(failure, to: topic)
            if let notifier {
                do {
                    try await notifier.notify(notification)
                } catch {
                    context.logger.error("Could not notify administrators", metadata: ["error": "\(error)"])
                }
            }
            return []
        }
    }
}

extension HandlerContext {
    /// Publishes the handled message, as it arrived, to `topic` with the dead-letter headers
    /// that say why `failure` ended its handling; counts and logs it, and returns the
    /// notification to send about it. Throws what publishing throws.
    nonisolated(nonsending) func deadLetter(_ failure: MessageBusError, to topic: String) async throws
        -> BusNotification
    {
        let attempts = failure.attempts ?? 1
        let reason = failure.codeName
        let deadLetter = delivery.message.deadLettered(
            reason: reason,
            error: "\(failure.underlying ?? failure)",
            sourceTopic: self.topic,
            group: group,
            handler: handler,
            attempts: attempts,
            time: Date()
        )
        try await publish(deadLetter, to: topic)
        metrics.deadLettered.increment()
        logger.warning(
            "Message dead-lettered",
            metadata: ["dead-letter-topic": "\(topic)", "reason": "\(reason)", "error": "\(failure)"]
        )
        return BusNotification(.deadLettered, error: failure, context: self, deadLetterTopic: topic)
    }
}
