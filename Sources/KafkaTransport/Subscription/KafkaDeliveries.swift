import Messaging

/// The deliveries of one member of a consumer group on a ``KafkaTransport``.
///
/// Each sequence is its own Kafka consumer in the group. It ends when ``close()`` is called, when
/// the iterating task is cancelled, when the transport shuts down, or when the sequence and its
/// iterators are released; the member then leaves the group and its unsettled messages go to
/// the partitions' next owners. See `DeliverySequence`.
public struct KafkaDeliveries: DeliverySequence {
    let membership: KafkaMembership

    /// Commits what this member settled, leaves the consumer group, ends the sequence, and
    /// returns once the member has left.
    public func close() async {
        membership.consumer.stop(.immediate)
        await membership.consumer.waitUntilClosed()
    }

    /// Creates the iterator; iterate from one task at a time.
    public func makeAsyncIterator() -> Iterator {
        Iterator(membership: membership)
    }

    /// Waits for the member's next delivery.
    public struct Iterator: AsyncIteratorProtocol {
        let membership: KafkaMembership
        /// Reads the records this iterator takes into messages.
        var reader = CloudEventsKafkaBinding.Reader()

        /// The next delivery, or `nil` once the subscription has ended.
        public mutating func next() async throws -> Delivery? {
            await membership.consumer.next(reading: &reader)
        }
    }
}

/// Keeps a group member, and its transport, alive while its sequence or an iterator exists;
/// leaves the group when they go.
final class KafkaMembership: Sendable {
    let consumer: RDKafkaConsumer
    let transport: KafkaTransport

    init(consumer: RDKafkaConsumer, transport: KafkaTransport) {
        self.consumer = consumer
        self.transport = transport
    }

    deinit {
        consumer.stop(.immediate)
    }
}
