/// Returns `true` once `condition` holds, checking it every `interval`, or `false` if it still
/// does not hold after `timeout`.
///
/// For tests and test kits, whose conditions are state others change without telling them.
///
/// - Throws: `CancellationError` if the task is cancelled while waiting.
package func waitUntil(
    timeout: Duration,
    checkingEvery interval: Duration = .milliseconds(1),
    _ condition: () async -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while await !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try await Task.sleep(for: interval)
    }
    return true
}

/// Returns once `condition` holds, checking it every millisecond.
///
/// For tests: it fails under any test framework by throwing, naming the caller's file and line.
///
/// - Throws: ``ConditionTimedOut`` if `condition` still does not hold after `timeout` (default:
///   20 seconds); `CancellationError` if the task is cancelled while waiting.
package func eventually(
    _ what: String,
    timeout: Duration = .seconds(20),
    file: String = #fileID,
    line: Int = #line,
    _ condition: () -> Bool
) async throws {
    guard try await waitUntil(timeout: timeout, condition) else {
        throw ConditionTimedOut(what: what, timeout: timeout, file: file, line: line)
    }
}

/// A condition a test waited for with ``eventually(_:timeout:file:line:_:)`` that did not hold
/// in time.
package struct ConditionTimedOut: Error, CustomStringConvertible {
    /// What was waited for.
    package let what: String
    /// How long it was waited for.
    package let timeout: Duration
    /// The file that waited.
    package let file: String
    /// The line that waited.
    package let line: Int

    package var description: String {
        "timed out after \(timeout) waiting until \(what) [\(file):\(line)]"
    }
}
