/// Runs `body` against a deadline: returns what `body` returned, or `nil` if `deadline` returned
/// first, in which case `body`'s task is cancelled.
///
/// `deadline` sleeps until the deadline — `Task.sleep(for:)`, or an injected clock's `sleep` —
/// and is cancelled once `body` finished. Cancellation is cooperative: a body that never checks
/// for it runs to its end before this function returns.
///
/// - Throws: The error `body` threw, or the error `deadline` threw before it returned.
package func withDeadline<Result: Sendable>(
    _ deadline: @Sendable () async throws -> Void,
    _ body: @Sendable () async throws -> Result
) async throws -> Result? {
    try await withoutActuallyEscaping(body) { body in
        try await withoutActuallyEscaping(deadline) { deadline in
            try await withThrowingTaskGroup(of: Result?.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    try await deadline()
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        }
    }
}

/// Returns `true` once `condition` holds, checking it every `interval`, or `false` if it still
/// does not hold after `timeout`.
///
/// For tests and test kits, whose conditions are state others change without telling them.
///
/// - Throws: `CancellationError` if the task is cancelled while waiting.
package func waitUntil(
    timeout: Duration,
    checkingEvery interval: Duration = .milliseconds(1),
    _ condition: () -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try await Task.sleep(for: interval)
    }
    return true
}
