import Messaging
import Synchronization

/// Limits how many messages a handler starts per interval, across all its lanes.
///
/// Messages are spaced evenly: with `Throttle(messages: 100, per: .seconds(1))` a handler starts
/// a message at most every 10 ms, waiting as needed. Waiting holds the message, so the
/// transport's prefetch limit applies back-pressure upstream.
public struct Throttle: MessageMiddleware {
    private final class Schedule: Sendable {
        let nextStart = Mutex<Duration?>(nil)
    }

    /// The time between two message starts.
    public let spacing: Duration
    private let timekeeper: Timekeeper
    private let schedule = Schedule()

    /// Creates a throttle of `messages` per `interval`, measured on `clock`.
    public init(messages: Int, per interval: Duration, clock: some Clock<Duration> = ContinuousClock()) {
        self.spacing = interval / max(1, messages)
        self.timekeeper = Timekeeper(clock)
    }

    /// Waits for the message's turn, then runs `next`.
    nonisolated(nonsending) public func handle(_ message: Message, context: HandlerContext, next: NextHandler)
        async throws -> [OutgoingMessage]
    {
        let now = timekeeper.now()
        let start = schedule.nextStart.withLock { nextStart in
            let start = max(now, nextStart ?? now)
            nextStart = start + spacing
            return start
        }
        if start > now {
            try await timekeeper.sleepUntil(start)
        }
        return try await next(message, context)
    }
}
