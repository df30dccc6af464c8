import Messaging
import Testing

/// Takes the next delivery, failing the test if none arrives.
func nextDelivery<Deliveries: AsyncSequence<Delivery, any Error>>(
    _ deliveries: Deliveries,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> Delivery {
    var iterator = deliveries.makeAsyncIterator()
    return try #require(try await iterator.next(), "the subscription ended", sourceLocation: sourceLocation)
}
