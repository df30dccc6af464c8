/// Subscribes to topics as a member of a consumer group.
///
/// ## Contract
///
/// - **Consumer groups**: every group receives every message of the topic (fan-out); within a
///   group, each message goes to one member at a time (competing consumers). A group remembers
///   its position after all its members have gone, so a member that joins later continues where
///   the group stopped.
/// - **Joining**: ``subscribe(to:group:options:)`` returns once the member has joined its group;
///   messages published after it returned reach the group.
/// - **Order**: messages with the same key are delivered in the order they were published, as
///   long as nothing is rejected. A rejected message is delivered again before any message of its
///   partition not yet delivered; deliveries already handed out are not recalled.
/// - **At-least-once**: a delivery that is never settled — because its subscriber closed, was
///   cancelled, was released or its transport shut down — is delivered again to the group.
/// - **Thread safety**: the sequence may be iterated by one task at a time; its deliveries may be
///   settled from any task.
public protocol MessageSubscriber: Sendable {
    /// The sequence of deliveries a subscription produces.
    associatedtype Deliveries: DeliverySequence

    /// Joins `group` on `topic` and returns the deliveries of this member.
    ///
    /// - Parameters:
    ///   - topic: The topic to read. Validated with ``TopicName/validate(_:)``.
    ///   - group: The consumer group to join. Validated with ``GroupName/validate(_:)``.
    ///   - options: Where a new group starts and how many deliveries may be unsettled at once.
    /// - Throws: ``MessagingError`` for an invalid topic or group, or after shutdown.
    func subscribe(to topic: String, group: String, options: SubscriptionOptions) async throws -> Deliveries
}

extension MessageSubscriber {
    /// Joins `group` on `topic` with the default ``SubscriptionOptions``.
    public func subscribe(to topic: String, group: String) async throws -> Deliveries {
        try await subscribe(to: topic, group: group, options: SubscriptionOptions())
    }
}

/// The deliveries of one member of a consumer group.
///
/// The sequence ends (its iterator returns `nil`) when ``close()`` is called, when the iterating
/// task is cancelled, or when the transport shuts down. Releasing the sequence and its iterators
/// closes it too. Closing leaves the group; unsettled deliveries go back to the group.
public protocol DeliverySequence: AsyncSequence<Delivery, any Error>, Sendable {
    /// Leaves the consumer group, ends the sequence, and returns once the member has left.
    ///
    /// When it returns, the group's position reflects every delivery this member settled, so a
    /// member that joins afterwards continues from there. Deliveries handed out but not settled
    /// are delivered again to the group; settling them afterwards throws
    /// ``MessagingError/Code/deliveryNotPending``. Calling `close()` more than once has no
    /// further effect.
    func close() async
}

/// How a subscription starts and how far it reads ahead.
public struct SubscriptionOptions: Sendable, Hashable {
    /// Where a consumer group that has never read a topic begins.
    public enum StartPosition: Sendable, Hashable {
        /// At the oldest message the topic retains.
        case earliest
        /// After the newest message: only messages published from now on.
        case latest
    }

    /// Where a new group begins. Ignored for a group that has read the topic before, which
    /// continues at its committed position. Default: `.earliest`, the oldest message the topic
    /// retains, so an application that subscribes for the first time misses nothing published
    /// before it started; pass `.latest` for only the messages published from now on.
    public var startPosition: StartPosition
    /// The most deliveries this member holds unsettled at once; the transport stops handing it
    /// more until some are settled. Values below 1 are raised to 1. Default: `256`.
    public var prefetch: Int {
        get { storedPrefetch }
        set { storedPrefetch = max(1, newValue) }
    }

    private var storedPrefetch: Int

    /// Creates subscription options.
    ///
    /// - Parameters:
    ///   - startPosition: Where a new group begins. Default: `.earliest`; see ``startPosition``.
    ///   - prefetch: The most unsettled deliveries this member holds; at least 1. Default: `256`.
    public init(startPosition: StartPosition = .earliest, prefetch: Int = 256) {
        self.startPosition = startPosition
        self.storedPrefetch = max(1, prefetch)
    }
}
