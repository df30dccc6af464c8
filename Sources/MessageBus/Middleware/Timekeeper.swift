/// Time as middleware sees it: a clock of any kind, reduced to "time since start" and "sleep
/// until", so tests can inject a clock they control. Shared with the pattern modules of this
/// package.
package struct Timekeeper: Sendable {
    /// The time elapsed since the timekeeper was created.
    package let now: @Sendable () -> Duration
    /// Sleeps until the given time since the start; throws on cancellation.
    package let sleepUntil: @Sendable (Duration) async throws -> Void

    package init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let start = clock.now
        // Middleware reads the time for every message, and the generic closure is not
        // specialised across modules: for the default clock, read it directly.
        if let start = start as? ContinuousClock.Instant {
            now = { start.duration(to: .now) }
        } else {
            now = { start.duration(to: clock.now) }
        }
        sleepUntil = { deadline in try await clock.sleep(until: start.advanced(by: deadline), tolerance: nil) }
    }

    /// Sleeps for `duration` from now; throws on cancellation.
    package func sleep(_ duration: Duration) async throws {
        try await sleepUntil(now() + duration)
    }
}
