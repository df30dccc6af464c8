import Messaging
import Synchronization

/// The store behind in-memory transports: partitioned, append-only topic logs and the positions
/// of every consumer group, in this process.
///
/// A broker plays the part of a Kafka cluster; each ``InMemoryTransport`` is a client of one.
/// Give several transports the same broker to model separate applications that share nothing but
/// the bus — each can shut down on its own while the messages stay.
///
/// All operations are thread-safe. Nothing is persisted: the messages live as long as the broker.
public final class InMemoryBroker: Sendable {
    /// How this broker stores messages.
    public let configuration: Configuration

    let state: Mutex<BrokerState>

    /// Creates a broker with the default ``Configuration``.
    public convenience init() {
        self.init(validated: Configuration())
    }

    /// Creates a broker.
    ///
    /// - Throws: `MessagingError` with code `MessagingError.Code.invalidConfiguration`
    ///   naming the configuration value that is out of range.
    public convenience init(configuration: Configuration) throws(MessagingError) {
        try configuration.validate()
        self.init(validated: configuration)
    }

    private init(validated configuration: Configuration) {
        self.configuration = configuration
        self.state = Mutex(BrokerState(configuration: configuration))
    }

    /// Creates `name` with `partitions` partitions, if it does not exist yet.
    ///
    /// Topics are otherwise created on first use with ``Configuration/defaultPartitionCount``
    /// partitions; create a topic first to choose how many.
    ///
    /// - Throws: `MessagingError` with code `MessagingError.Code.invalidTopic` for a bad name,
    ///   `MessagingError.Code.invalidConfiguration` for a partition count below 1,
    ///   `MessagingError.Code.topicConflict` if the topic
    ///   exists with a different number of partitions.
    public func createTopic(_ name: String, partitions: Int) throws(MessagingError) {
        try TopicName.validate(name)
        guard partitions >= 1 else {
            throw MessagingError(
                .invalidConfiguration,
                "Topic '\(name)' needs at least 1 partition, not \(partitions)."
            )
        }
        try withState { state, _ throws(MessagingError) in try state.createTopic(name, partitionCount: partitions) }
    }

    /// Forgets consumer group `group` on `topic`, with its committed positions.
    ///
    /// A group keeps every message it has not settled, so a group that will never come back holds
    /// memory until it is deleted. The next subscription under the same name starts afresh.
    ///
    /// - Throws: `MessagingError` with code `invalidGroup` if the group does not exist on `topic`
    ///   or still has members.
    public func deleteGroup(_ group: String, from topic: String) throws(MessagingError) {
        try withState { state, wakeups throws(MessagingError) in
            try state.deleteGroup(group, from: topic, wakeups: &wakeups)
        }
    }

    /// The bytes of messages (`Message.byteCount`) the broker holds now.
    public var retainedBytes: Int {
        state.withLock { $0.retainedBytes }
    }

    /// What the broker holds of `topic`, or `nil` if the topic does not exist.
    public func snapshot(of topic: String) -> TopicSnapshot? {
        withState { state, wakeups in
            guard let topicState = state.topics[topic] else { return nil }
            state.recordKept(on: topicState, wakeups: &wakeups)
            return TopicSnapshot(
                partitions: topicState.partitions.indices.map { index in
                    let log = topicState.partitions[index]
                    return TopicSnapshot.Partition(
                        firstOffset: log.firstOffset,
                        endOffset: log.endOffset,
                        committedOffsets: topicState.groups.mapValues { $0.partitions[index].committed }
                    )
                }
            )
        }
    }

    /// Runs `body` under the lock, then resumes the continuations it collected.
    func withState<Result: Sendable, Failure: Error>(
        _ body: (inout BrokerState, inout Wakeups) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        var wakeups = Wakeups()
        let result: Swift.Result<Result, Failure> = state.withLock { state in
            do throws(Failure) {
                return .success(try body(&state, &wakeups))
            } catch {
                return .failure(error)
            }
        }
        wakeups.resume()
        return try result.get()
    }
}

/// A point-in-time view of one topic of an ``InMemoryBroker``.
public struct TopicSnapshot: Sendable, Hashable {
    /// One partition's retained range and each group's position in it.
    public struct Partition: Sendable, Hashable {
        /// The offset of the oldest message retained.
        public var firstOffset: Int64
        /// The offset the next message will get.
        public var endOffset: Int64
        /// Each consumer group's committed offset: every message below it is settled.
        public var committedOffsets: [String: Int64]

        /// The number of messages retained.
        public var retainedMessages: Int64 { endOffset - firstOffset }
    }

    /// The topic's partitions, by index.
    public var partitions: [Partition]

    /// Messages of the topic past `group`'s committed position: not yet settled, or settled ahead
    /// of an earlier message that is not. For a group that does not exist, every retained message.
    public func lag(of group: String) -> Int64 {
        partitions.reduce(0) { $0 + $1.endOffset - ($1.committedOffsets[group] ?? $1.firstOffset) }
    }
}
