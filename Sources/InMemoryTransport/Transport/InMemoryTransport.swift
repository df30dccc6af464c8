import Messaging
import ServiceLifecycle

/// The embedded transport: Kafka-like messaging inside one process, with no server.
///
/// Topics are partitioned, append-only logs; a message goes to the partition its key hashes to
/// (or round-robin without a key), so order per key holds. Each consumer group keeps its own
/// committed positions: every group receives every message, and the members of a group share
/// the partitions between them. A rejected delivery is delivered again; a delivery never settled
/// is delivered again when its subscriber goes away. A new group starts from the earliest
/// retained message or the latest, as `SubscriptionOptions` say.
///
/// ```swift
/// let transport = InMemoryTransport()
/// let deliveries = try await transport.subscribe(to: "orders", group: "billing")
/// try await transport.publish(order, to: "orders", key: order.id)
/// for try await delivery in deliveries {
///     let order = try delivery.decode(Order.self)
///     try delivery.acknowledge()
/// }
/// ```
///
/// A transport is a client of an ``InMemoryBroker``; by default each transport has its own. Share
/// one broker between transports to model separate applications on one bus.
///
/// Memory is bounded by ``InMemoryBroker/Configuration/memoryLimit``: settled messages are
/// evicted to make room, and when nothing may be evicted `publish` waits (or fails, as configured)
/// — a message is never dropped. Releasing a transport shuts it down at once.
public final class InMemoryTransport: MessageTransport {
    /// The broker this transport is a client of.
    public let broker: InMemoryBroker

    let client: ClientID

    /// Creates a transport on `broker`.
    ///
    /// - Parameter broker: The store to publish to and read from. Default: a new broker of its own.
    public init(broker: InMemoryBroker = InMemoryBroker()) {
        self.broker = broker
        self.client = broker.withState { state, _ in
            let client = state.makeID()
            state.clients[client] = ClientState()
            return client
        }
    }

    deinit {
        let client = client
        broker.withState { state, wakeups in
            state.beginShutdown(client, wakeups: &wakeups)
            state.finishShutdown(client, wakeups: &wakeups)
            state.clients.removeValue(forKey: client)
        }
    }

    /// Ordered by key, consumer groups, replay from earliest; not persistent.
    public var capabilities: TransportCapabilities {
        TransportCapabilities(
            ordersByKey: true,
            consumerGroups: true,
            replaysFromEarliest: true,
            isPersistent: false,
            maximumMessageBytes: broker.configuration.maximumMessageBytes
        )
    }

    // MARK: - Publishing

    /// Appends the batch to `topic` and returns once every message is stored.
    ///
    /// Validates every message first; one bad message refuses the whole batch. Waits while the
    /// broker is full (see ``InMemoryBroker/Configuration/whenFull``); cancel the task to stop
    /// waiting, which publishes nothing.
    public func publish(_ messages: [Message], to topic: String) async throws {
        try TopicName.validate(topic)
        var stored: [StoredMessage] = []
        stored.reserveCapacity(messages.count)
        var byteCount = 0
        var attributes: SharedAttributes?
        func store(_ message: borrowing Message) throws(MessagingError) {
            byteCount += try message.validate(maximumBytes: broker.configuration.maximumMessageBytes)
            if attributes?.matches(message) != true {
                attributes = SharedAttributes(of: message)
            }
            stored.append(StoredMessage.make(message, attributes: attributes!))
        }
        for index in messages.indices {
            try store(messages[index])
        }
        let batch = stored
        let total = byteCount
        let client = client
        let outcome = try broker.withState { state, wakeups throws(MessagingError) in
            try state.publish(batch, byteCount: total, to: topic, from: client, wakeups: &wakeups)
        }
        if case .published = outcome { return }
        let ticket = broker.withState { state, _ in state.publishTicket() }
        var published = false
        while !published {
            published = try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    do throws(MessagingError) {
                        let outcome = try broker.withState { state, wakeups throws(MessagingError) in
                            if Task.isCancelled {
                                return BrokerState.PublishOutcome.mustWait
                            }
                            let outcome = try state.publish(
                                batch,
                                byteCount: total,
                                to: topic,
                                from: client,
                                wakeups: &wakeups
                            )
                            if case .mustWait = outcome {
                                state.park(continuation, as: ticket)
                            }
                            return outcome
                        }
                        switch outcome {
                        case .published: continuation.resume(returning: true)
                        case .mustWait where Task.isCancelled: continuation.resume(throwing: CancellationError())
                        case .mustWait: break
                        }
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            } onCancel: {
                let waiter = broker.withState { state, _ in state.unpark(ticket) }
                waiter?.resume(throwing: CancellationError())
            }
        }
    }

    // MARK: - Subscribing

    /// Joins `group` on `topic`; returns once the member has joined.
    public func subscribe(
        to topic: String,
        group: String,
        options: SubscriptionOptions
    ) async throws -> InMemoryDeliveries {
        try TopicName.validate(topic)
        try GroupName.validate(group)
        let client = client
        let lane = try broker.withState { [broker] state, wakeups throws(MessagingError) in
            let lane = MemberLane(topic: topic, group: group, member: state.makeID(), broker: broker)
            try state.join(
                topic: topic,
                group: group,
                options: options,
                client: client,
                lane: lane,
                wakeups: &wakeups
            )
            return lane
        }
        return InMemoryDeliveries(subscription: Subscription(transport: self, lane: lane))
    }

    // MARK: - Lifecycle

    /// Runs until graceful shutdown or cancellation, then shuts the transport down.
    ///
    /// Graceful shutdown waits for handed-out deliveries to be settled; cancellation does not.
    public func run() async throws {
        await withTaskCancellationOrGracefulShutdownHandler {
            await self.waitForShutdownRequest()
        } onCancelOrGracefulShutdown: {
            self.broker.withState { state, wakeups in state.beginShutdown(self.client, wakeups: &wakeups) }
        }
        await shutdown()
    }

    /// Stops publishing and subscribing, ends every subscription of this transport, and returns
    /// once every delivery it handed out has been settled. Cancel the calling task to stop
    /// waiting; unsettled deliveries then go back to their groups.
    public func shutdown() async {
        let client = client
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let finished = broker.withState { state, wakeups in
                    state.beginShutdown(client, wakeups: &wakeups)
                    guard !state.clients[client]!.isFinished else { return true }
                    state.clients[client]!.shutdownWaiters.append(continuation)
                    return false
                }
                if finished {
                    continuation.resume()
                }
            }
        } onCancel: {
            broker.withState { state, wakeups in state.finishShutdown(client, wakeups: &wakeups) }
        }
    }

    private func waitForShutdownRequest() async {
        let client = client
        await withCheckedContinuation { continuation in
            let requested = broker.withState { state, _ in
                guard !state.clients[client]!.isShutDown else { return true }
                state.clients[client]!.shutdownRequestWaiters.append(continuation)
                return false
            }
            if requested {
                continuation.resume()
            }
        }
    }
}

// MARK: - Consumer lag

extension InMemoryTransport: ConsumerLagReporting {
    /// The messages of `topic` past `group`'s committed position (see `TopicSnapshot.lag(of:)`),
    /// or `nil` for a topic that does not exist.
    public func consumerLag(of group: String, on topic: String) async -> Int? {
        broker.snapshot(of: topic).map { Int($0.lag(of: group)) }
    }
}
