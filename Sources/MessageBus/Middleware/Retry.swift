import Messaging

/// Runs a failing handler again, with exponential backoff and jitter, while the error is
/// retriable and the limits allow.
///
/// The handler sees which try it is in the `attempt` header (1 for the first). When it gives up,
/// `Retry` throws ``MessageBusError/Code/retriesExhausted`` (not retriable) with the last error
/// as ``MessageBusError/underlying``. A non-retriable error (see
/// ``MessageBusError/isRetriable(_:)``) is rethrown at once. Place a ``DeadLetterChannel``
/// outside `Retry` so that what `Retry` gives up on is dead-lettered.
///
/// The wait before try *n + 1* is `initialDelay × multiplierⁿ⁻¹`, at most `maximumDelay`,
/// varied by ± `jitter` × the delay.
public struct Retry: MessageMiddleware {
    /// How many times the handler may run for one message, the first included. Default: 5.
    public var maximumAttempts: Int
    /// The wait before the second try. Default: 100 ms.
    public var initialDelay: Duration
    /// How much longer each wait is than the one before. Default: 2.
    public var multiplier: Double
    /// The longest wait. Default: 10 s.
    public var maximumDelay: Duration
    /// The longest time to keep trying one message, waits included; `nil` for no limit.
    /// Default: 60 s.
    public var maximumElapsed: Duration?
    /// How much each wait varies at random, as a fraction of it. Default: 0.2.
    public var jitter: Double
    /// Which errors are worth retrying. Default: ``MessageBusError/isRetriable(_:)``.
    public var isRetriable: @Sendable (any Error) -> Bool

    private static let firstAttemptHeaders = [MessageHeader.attempt: "1"]

    private let timekeeper: Timekeeper
    private let random: @Sendable () -> Double

    /// Creates a retry policy.
    ///
    /// - Parameters:
    ///   - maximumAttempts: How many times the handler may run for one message. Default: 5.
    ///   - initialDelay: The wait before the second try. Default: 100 ms.
    ///   - multiplier: How much longer each wait is than the one before. Default: 2.
    ///   - maximumDelay: The longest wait. Default: 10 s.
    ///   - maximumElapsed: The longest time to keep trying one message; `nil` for no limit. Default: 60 s.
    ///   - jitter: How much each wait varies at random, as a fraction of it. Default: 0.2.
    ///   - isRetriable: Which errors are worth retrying. Default: ``MessageBusError/isRetriable(_:)``.
    ///   - clock: The clock waits are measured on. Default: `ContinuousClock`.
    ///   - random: A source of uniform values in `0..<1` for the jitter. Default: the system's.
    public init(
        maximumAttempts: Int = 5,
        initialDelay: Duration = .milliseconds(100),
        multiplier: Double = 2,
        maximumDelay: Duration = .seconds(10),
        maximumElapsed: Duration? = .seconds(60),
        jitter: Double = 0.2,
        isRetriable: @escaping @Sendable (any Error) -> Bool = MessageBusError.isRetriable,
        clock: some Clock<Duration> = ContinuousClock(),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.initialDelay = initialDelay
        self.multiplier = multiplier
        self.maximumDelay = maximumDelay
        self.maximumElapsed = maximumElapsed
        self.jitter = min(max(jitter, 0), 1)
        self.isRetriable = isRetriable
        self.timekeeper = Timekeeper(clock)
        self.random = random
    }

    /// The wait after try `attempt` failed, before the next one.
    public func delay(after attempt: Int) -> Duration {
        var base = initialDelay
        for _ in 1..<max(attempt, 1) where base < maximumDelay {
            base = base * multiplier
        }
        base = min(base, maximumDelay)
        let spread = jitter * (2 * random() - 1)
        return max(.zero, base * (1 + spread))
    }

    /// Runs `next`, again after each retriable failure, until it succeeds or the limits are reached.
    nonisolated(nonsending) public func handle(_ message: Message, context: HandlerContext, next: NextHandler)
        async throws -> [OutgoingMessage]
    {
        let started = timekeeper.now()
        var attempt = 1
        while true {
            var current = message
            if attempt == 1, current.headers.isEmpty {
                // Most messages carry no headers: they share one dictionary for their first try
                // rather than each allocating and hashing its own.
                current.headers = Self.firstAttemptHeaders
            } else {
                current.headers[MessageHeader.attempt] = String(attempt)
            }
            do {
                return try await next(current, context)
            } catch {
                guard isRetriable(error) else { throw error }
                let wait = delay(after: attempt)
                let elapsed = timekeeper.now() - started
                let outOfTime = maximumElapsed.map { elapsed + wait > $0 } ?? false
                if attempt >= maximumAttempts || outOfTime {
                    let limit =
                        outOfTime
                        ? "the next try would end after \(maximumElapsed!)"
                        : "it ran \(attempt) times, the maximum"
                    var exhausted = MessageBusError(
                        .retriesExhausted,
                        "Gave up on message \(message.id): \(limit). Last error: \(error)",
                        underlying: error
                    )
                    exhausted.attempts = attempt
                    throw exhausted
                }
                context.metrics.retried.increment()
                context.logger.notice(
                    "Handler failed; trying again",
                    metadata: ["attempt": "\(attempt)", "delay": "\(wait)", "error": "\(error)"]
                )
                try await timekeeper.sleep(wait)
                attempt += 1
            }
        }
    }
}
