import Messaging
import Testing

/// Waits until `condition` holds, failing the test if it does not within `timeout`.
func eventually(
    _ what: String,
    timeout: Duration = .seconds(10),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () -> Bool
) async throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out after \(timeout) waiting until \(what)", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        await Task.yield()
    }
}

/// Takes the next delivery, failing the test if none arrives.
func nextDelivery<Deliveries: AsyncSequence<Delivery, any Error>>(
    _ deliveries: Deliveries,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> Delivery {
    var iterator = deliveries.makeAsyncIterator()
    return try #require(try await iterator.next(), "the subscription ended", sourceLocation: sourceLocation)
}
