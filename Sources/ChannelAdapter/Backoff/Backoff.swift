/// Waits that grow exponentially with each attempt, up to a cap, varied at random.
///
/// The wait before attempt *n + 1* is `initial × multiplierⁿ⁻¹`, at most `maximum`, varied by
/// ± `jitter` × the wait:
///
/// ```swift
/// let backoff = Backoff(initial: .seconds(1), multiplier: 2, maximum: .seconds(30), jitter: 0)
/// backoff.delay(after: 1)  // 1 s
/// backoff.delay(after: 3)  // 4 s
/// backoff.delay(after: 10) // 30 s
/// ```
///
/// Jitter spreads instances that failed together, so they do not all try again at once; the
/// `random` source is injectable so tests get exact waits.
public struct Backoff: Sendable {
    /// The wait after the first attempt. Default: 1 s.
    public var initial: Duration
    /// How much longer each wait is than the one before. Values below 1 are raised to 1.
    /// Default: 2.
    public var multiplier: Double
    /// The longest wait, before jitter. Default: 60 s.
    public var maximum: Duration
    /// How much each wait varies at random, as a fraction of it, between 0 and 1. Default: 0.2.
    public var jitter: Double
    /// A source of uniform values in `0..<1` for the jitter. Default: the system's.
    public var random: @Sendable () -> Double

    /// Creates a backoff.
    ///
    /// - Parameters:
    ///   - initial: The wait after the first attempt. Default: 1 s.
    ///   - multiplier: How much longer each wait is than the one before. Default: 2.
    ///   - maximum: The longest wait, before jitter. Default: 60 s.
    ///   - jitter: How much each wait varies at random, as a fraction of it. Default: 0.2.
    ///   - random: A source of uniform values in `0..<1`. Default: the system's.
    public init(
        initial: Duration = .seconds(1),
        multiplier: Double = 2,
        maximum: Duration = .seconds(60),
        jitter: Double = 0.2,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.initial = max(.zero, initial)
        self.multiplier = max(1, multiplier)
        self.maximum = max(.zero, maximum)
        self.jitter = min(max(jitter, 0), 1)
        self.random = random
    }

    /// The wait after attempt `attempt` (1 for the first) failed or found nothing.
    public func delay(after attempt: Int) -> Duration {
        var base = min(initial, maximum)
        var step = 1
        while step < attempt, base < maximum {
            base = min(base * multiplier, maximum)
            step += 1
        }
        let spread = jitter * (2 * random() - 1)
        return max(.zero, base * (1 + spread))
    }
}
