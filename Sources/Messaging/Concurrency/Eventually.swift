/// Returns `true` once `condition` holds, or `false` if it still does not hold after `timeout`.
///
/// It checks at once, then after a millisecond, then at intervals that double up to
/// `longestPause`: a condition about to hold is seen within a millisecond or two, and one that
/// takes seconds costs about twenty checks a second, not a thousand. Hundreds of tests waiting
/// at once on two cores would otherwise spend the threads their handlers need on checking.
///
/// For tests and test kits, whose conditions are state others change without telling them.
///
/// - Throws: `CancellationError` if the task is cancelled while waiting.
package func waitUntil(
    timeout: Duration,
    longestPause: Duration = .milliseconds(50),
    _ condition: () async -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    var pause = Duration.milliseconds(1)
    while await !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try await Task.sleep(for: pause)
        pause = min(pause * 2, longestPause)
    }
    return true
}

/// Returns once `condition` holds, checking it as ``waitUntil(timeout:longestPause:_:)`` does.
///
/// For tests: it fails under any test framework by throwing, naming the caller's file and line.
///
/// The default `timeout` is a minute: long enough for a loaded machine running hundreds of tests
/// at once on two cores, since it only decides how long a test that hangs takes to fail.
///
/// - Throws: ``ConditionTimedOut`` if `condition` still does not hold after `timeout` (default:
///   60 seconds); `CancellationError` if the task is cancelled while waiting.
package func eventually(
    _ what: String,
    timeout: Duration = .seconds(60),
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
