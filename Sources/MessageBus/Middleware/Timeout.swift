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
        let limit = limit
        let deadline = timekeeper.now() + limit
        return try await withoutActuallyEscaping(next) { next in
            try await withThrowingTaskGroup(of: [OutgoingMessage]?.self) { group in
                group.addTask { try await next(message, context) }
                group.addTask {
                    try await timekeeper.sleepUntil(deadline)
                    return nil
                }
                defer { group.cancelAll() }
                guard let outgoing = try await group.next()! else {
                    throw MessageBusError(
                        .timedOut,
                        "Handler '\(context.handler)' did not finish message \(message.id) within \(limit).",
                        isRetriable: true
                    )
                }
                return outgoing
            }
        }
    }
}
