/// Publishes batches of messages to topics.
///
/// ## Contract
///
/// - **Thread safety**: ``publish(_:to:)`` may be called from many tasks at once.
/// - **Atomic validation**: every message of the batch is checked (``Message/validate(maximumBytes:)``
///   and the topic name, ``TopicName/validate(_:)``) before any is published. One bad message
///   refuses the whole batch with a ``MessagingError`` and publishes nothing.
/// - **Durability**: `publish` returns only when the transport's durability guarantee holds for
///   every message of the batch (appended to the in-memory log; acknowledged by the Kafka brokers
///   under `acks=all`). A message whose `publish` returned is never lost by the transport.
/// - **Order**: messages with the same ``Message/key`` are stored, and delivered, in the order of
///   the batch and of successive calls from one task.
/// - **Back-pressure**: when the transport is full, `publish` waits for room or fails with
///   ``MessagingError/Code/capacityExceeded``, as configured. It never drops a message.
/// - **Shutdown**: after the transport began shutting down, `publish` throws
///   ``MessagingError/Code/shutDown``. Batches accepted before that are flushed by the shutdown.
public protocol MessagePublisher: Sendable {
    /// Publishes `messages` to `topic`, in order, and returns when all are durable.
    ///
    /// An empty batch publishes nothing; the topic name and the transport's state are still checked.
    ///
    /// - Throws: ``MessagingError`` naming what was refused. A batch refused before sending — bad
    ///   input, shutdown, no room — publishes nothing. A distributed transport that fails after it
    ///   began sending (brokers unreachable past a timeout, for example) may have stored part of
    ///   the batch; its error then says how many messages were not published, and publishing
    ///   again may repeat the others (which at-least-once consumers tolerate).
    func publish(_ messages: [Message], to topic: String) async throws
}

extension MessagePublisher {
    /// Publishes one message to `topic` and returns when it is durable.
    public func publish(_ message: Message, to topic: String) async throws {
        try await publish([message], to: topic)
    }
}
