import Messaging
import Testing

/// Waits until `condition` holds, failing the test if it does not within `timeout`.
func eventually(
    _ what: String,
    timeout: Duration = .seconds(10),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () -> Bool
) async throws {
    guard try await waitUntil(timeout: timeout, condition) else {
        Issue.record("timed out after \(timeout) waiting until \(what)", sourceLocation: sourceLocation)
        throw CancellationError()
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
