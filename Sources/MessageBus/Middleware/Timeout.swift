import Messaging

/// Fails a handler that runs longer than a limit.
///
/// When the limit passes, the handler's task is cancelled and `Timeout` throws
/// ``MessageBusError/Code/timedOut``, which is retriable. Cancellation is cooperative: a handler
/// that never checks for it still runs to its end before the error is thrown.
public struct Timeout: MessageMiddleware {
    /// The longest a handler may run.
    public let limit: Duration
    private let timekeeper: Timekeeper

    /// Creates a timeout of `limit`, measured on `clock`.
    public init(_ limit: Duration, clock: some Clock<Duration> = ContinuousClock()) {
        self.limit = limit
        self.timekeeper = Timekeeper(clock)
    }

    /// Runs `next`, cancelling it and throwing ``MessageBusError/Code/timedOut`` after ``limit``.
    nonisolated(nonsending) public func handle(_ message: Message, context: HandlerContext, next: NextHandler)
        async throws -> [OutgoingMessage]
    {
        let timekeeper = timekeeper
        let deadline = timekeeper.now() + limit
        let outgoing = try await withDeadline({ try await timekeeper.sleepUntil(deadline) }) {
            try await next(message, context)
        }
        guard let outgoing else {
            throw MessageBusError(
                .timedOut,
                "Handler '\(context.handler)' did not finish message \(message.id) within \(limit).",
                isRetriable: true
            )
        }
        return outgoing
    }
}
