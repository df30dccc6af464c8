/// One message handed to one member of a consumer group, waiting to be settled.
///
/// Every delivery must be settled exactly once: ``acknowledge()`` when it was handled, or
/// ``reject(requeue:)`` when it was not. Until then the transport counts it as in flight: the
/// group's position does not move past it, and if the subscription ends first the message is
/// delivered again to the group (at-least-once delivery; nothing is lost).
///
/// Settling is synchronous and never blocks: transports record the outcome and act on it in the
/// background. A delivery may be settled from any task.
public struct Delivery: Sendable {
    /// The message delivered.
    @inlinable public var message: Message { storage.message }
    /// The topic the message was read from.
    @inlinable public var topic: String { storage.topic }
    /// The consumer group this delivery belongs to.
    @inlinable public var group: String { storage.group }
    /// The partition of the topic the message is stored in.
    @inlinable public var partition: Int { storage.partition }
    /// The message's position in its partition.
    @inlinable public var offset: Int64 { storage.offset }
    /// How many times this message has been delivered to this group, counting this delivery.
    /// `1` the first time; greater after a rejection or a subscriber that went away.
    @inlinable public var attempt: Int { storage.attempt }

    /// The fields, in one shared object. A delivery is copied several times on its way from the
    /// transport to a handler, often from one thread to another; a copy then retains one object
    /// instead of every string and buffer of the message.
    @usableFromInline let storage: Storage

    @usableFromInline
    final class Storage: Sendable {
        @usableFromInline let message: Message
        @usableFromInline let topic: String
        @usableFromInline let group: String
        @usableFromInline let partition: Int
        @usableFromInline let offset: Int64
        @usableFromInline let attempt: Int
        @usableFromInline let settler: any DeliverySettler

        @inlinable
        init(
            message: Message,
            topic: String,
            group: String,
            partition: Int,
            offset: Int64,
            attempt: Int,
            settler: any DeliverySettler
        ) {
            self.message = message
            self.topic = topic
            self.group = group
            self.partition = partition
            self.offset = offset
            self.attempt = attempt
            self.settler = settler
        }
    }

    /// Creates a delivery. Transports call this; applications receive deliveries from a
    /// subscription.
    ///
    /// - Parameters:
    ///   - message: The message delivered.
    ///   - topic: The topic it was read from.
    ///   - group: The consumer group it is delivered to.
    ///   - partition: The partition it is stored in.
    ///   - offset: Its position in the partition.
    ///   - attempt: How many times it has been delivered to the group, counting this time.
    ///   - settler: The transport object that records the outcome of this delivery.
    @inlinable
    public init(
        message: Message,
        topic: String,
        group: String,
        partition: Int,
        offset: Int64,
        attempt: Int,
        settler: any DeliverySettler
    ) {
        storage = Storage(
            message: message,
            topic: topic,
            group: group,
            partition: partition,
            offset: offset,
            attempt: attempt,
            settler: settler
        )
    }

    /// Marks the message as handled: the group will not receive it again.
    ///
    /// - Throws: ``MessagingError`` with code ``MessagingError/Code/deliveryNotPending`` if this
    ///   delivery was already settled, or if its subscription has ended — in that case the
    ///   message goes to the group again, so handlers must tolerate repeats, as with any
    ///   at-least-once transport.
    public func acknowledge() throws(MessagingError) {
        try storage.settler.acknowledge(self)
    }

    /// Marks the message as not handled.
    ///
    /// - Parameter requeue: `true` (the default) delivers the message to the group again, with
    ///   ``attempt`` increased, before any message of its partition not yet delivered. `false`
    ///   gives up on it: the group moves past it as if acknowledged. Send it to a dead-letter
    ///   channel first if it must not be forgotten.
    /// - Throws: ``MessagingError`` with code ``MessagingError/Code/deliveryNotPending`` if this
    ///   delivery was already settled or its subscription has ended.
    public func reject(requeue: Bool = true) throws(MessagingError) {
        try storage.settler.reject(self, requeue: requeue)
    }
}

/// The transport side of a ``Delivery``: records whether it was handled.
///
/// Transports implement this; applications use ``Delivery/acknowledge()`` and
/// ``Delivery/reject(requeue:)``. Implementations must be thread-safe, must not block, and must
/// throw ``MessagingError/Code/deliveryNotPending`` for a delivery they no longer hold.
public protocol DeliverySettler: Sendable {
    /// Records that `delivery` was handled.
    func acknowledge(_ delivery: Delivery) throws(MessagingError)
    /// Records that `delivery` was not handled; redelivers it when `requeue` is `true`.
    func reject(_ delivery: Delivery, requeue: Bool) throws(MessagingError)
}
