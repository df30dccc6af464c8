import Messaging
import Metrics
import Synchronization

/// The second link of every outgoing chain: counts the messages the rest of the chain sent, in
/// `messagebus_published_total` with the dimension `topic`.
struct PublishedCounter: OutgoingMiddleware {
    private final class Counters: Sendable {
        let byTopic = Mutex<[String: Counter]>([:])
    }

    private let factory: any MetricsFactory
    private let counters = Counters()

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    nonisolated(nonsending) func publish(
        _ messages: [Message],
        to topic: String,
        context: OutgoingContext,
        next: NextPublisher
    ) async throws -> [Message] {
        let sent = try await next(messages, topic, context)
        counter(for: topic).increment(by: sent.count)
        return sent
    }

    private func counter(for topic: String) -> Counter {
        counters.byTopic.withLock { counters in
            if let counter = counters[topic] { return counter }
            let counter = Counter(
                label: "messagebus_published_total",
                dimensions: [("topic", topic)],
                factory: factory
            )
            counters[topic] = counter
            return counter
        }
    }
}
