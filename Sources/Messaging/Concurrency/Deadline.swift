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
