import Messaging
import Synchronization

/// A message on a dead-letter topic, with the reasons a ``DeadLetterChannel`` recorded.
public struct DeadLetter: Sendable {
    /// The message as stored on the dead-letter topic, dead-letter headers included.
    public let message: Message

    /// Reads the dead-letter headers of `message`.
    public init(_ message: Message) {
        self.message = message
    }

    /// Why the message was dead-lettered, such as `retriesExhausted` or `decodingFailed`.
    public var reason: String? { message.headers[MessageHeader.DeadLetter.reason] }
    /// The error that ended the message's handling.
    public var error: String? { message.headers[MessageHeader.DeadLetter.error] }
    /// The topic the message came from, where a replay puts it back.
    public var sourceTopic: String? { message.headers[MessageHeader.DeadLetter.sourceTopic] }
    /// The consumer group whose handler failed.
    public var group: String? { message.headers[MessageHeader.DeadLetter.group] }
    /// The handler that failed.
    public var handler: String? { message.headers[MessageHeader.DeadLetter.handler] }
    /// How many times the handler ran.
    public var attempts: Int? { message.headers[MessageHeader.DeadLetter.attempts].flatMap { Int($0) } }

    /// The message as it was before it failed: without the dead-letter and `attempt` headers.
    public var original: Message {
        var original = message
        for name in MessageHeader.DeadLetter.all + [MessageHeader.attempt] {
            original.headers.removeValue(forKey: name)
        }
        return original
    }
}

/// Lists the messages of a dead-letter topic and replays them to the topics they came from.
///
/// Both read the topic, on the bus's transport, as a consumer group and stop after `limit`
/// messages, or when no message has arrived for `idleTimeout`. A replay sends through the bus's
/// outgoing pipeline, like everything else the bus sends: replayed messages count in
/// `messagebus_published_total` and pass the bus's ``OutgoingMiddleware`` (signing, for
/// instance) before the transport.
public struct DeadLetterQueue: Sendable {
    /// The dead-letter topic.
    public let topic: String
    private let bus: Bus
    private let timekeeper: Timekeeper

    /// A queue for the dead-letter topic `topic`, read on `bus`'s transport and replayed
    /// through `bus`, which need not be running.
    ///
    /// - Parameters:
    ///   - topic: The dead-letter topic.
    ///   - bus: The bus whose transport holds the topic and whose outgoing pipeline replays pass.
    ///   - clock: The clock idle timeouts are measured on. Default: `ContinuousClock`.
    public init(topic: String, bus: Bus, clock: some Clock<Duration> = ContinuousClock()) {
        self.topic = topic
        self.bus = bus
        self.timekeeper = Timekeeper(clock)
    }

    /// The dead letters retained on the topic, whether replayed or not, without consuming them.
    ///
    /// Reads as the consumer group `<topic>.list`, which never acknowledges, so every listing
    /// starts again from the earliest retained dead letter.
    ///
    /// - Parameters:
    ///   - limit: The most dead letters to list. Default: 10 000.
    ///   - idleTimeout: How long to wait for another dead letter before stopping. Default: 2 s.
    public func list(limit: Int = 10_000, idleTimeout: Duration = .seconds(2)) async throws -> [DeadLetter] {
        try await read(group: "\(topic).list", limit: limit, idleTimeout: idleTimeout) { _ in }
    }

    /// Publishes each dead letter's ``DeadLetter/original`` back to its source topic, through
    /// the bus's outgoing pipeline, then acknowledges it, so it is replayed once.
    ///
    /// The original keeps its id and correlation id, so that an idempotent receiver that
    /// processed it before recognises it.
    ///
    /// - Parameters:
    ///   - limit: The most messages to replay. Default: all.
    ///   - idleTimeout: How long to wait for another dead letter before stopping. Default: 2 s.
    ///   - group: The consumer group that tracks what was replayed. Default: `<topic>.replay`.
    /// - Returns: The replayed dead letters.
    /// - Throws: ``MessageBusError/Code/invalidDeadLetter`` for a message without a source
    ///   topic; it and everything after it stay on the dead-letter topic.
    @discardableResult
    public func replay(
        limit: Int? = nil,
        idleTimeout: Duration = .seconds(2),
        group: String? = nil
    ) async throws -> [DeadLetter] {
        try await read(group: group ?? "\(topic).replay", limit: limit, idleTimeout: idleTimeout) { delivery in
            let deadLetter = DeadLetter(delivery.message)
            guard let source = deadLetter.sourceTopic, !source.isEmpty else {
                var error = MessageBusError(
                    .invalidDeadLetter,
                    "Dead letter \(delivery.message.id) on '\(topic)' has no '\(MessageHeader.DeadLetter.sourceTopic)' header, so it cannot be replayed; it was left in place."
                )
                error.topic = topic
                error.messageID = delivery.message.id
                throw error
            }
            try await bus.publish(deadLetter.original, to: source)
            try delivery.acknowledge()
        }
    }

    private func read(
        group: String,
        limit: Int?,
        idleTimeout: Duration,
        settle: @escaping @Sendable (Delivery) async throws -> Void
    ) async throws -> [DeadLetter] {
        if let limit, limit <= 0 { return [] }
        let deliveries = try await bus.transport.subscribe(
            to: topic,
            group: group,
            options: SubscriptionOptions(startPosition: .earliest, prefetch: limit ?? 256)
        )
        let progress = ReadProgress()
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask {
                    for try await delivery in deliveries {
                        progress.state.withLock { $0.busy = true }
                        try await settle(delivery)
                        let count = progress.state.withLock { progress in
                            progress.read.append(DeadLetter(delivery.message))
                            progress.busy = false
                            return progress.read.count
                        }
                        if let limit, count >= limit { return }
                    }
                }
                tasks.addTask { [timekeeper] in
                    var seen = 0
                    while true {
                        try await timekeeper.sleep(idleTimeout)
                        let (count, busy) = progress.state.withLock { ($0.read.count, $0.busy) }
                        if !busy, count == seen { return }
                        seen = count
                    }
                }
                try await tasks.next()
                tasks.cancelAll()
            }
        } catch {
            await deliveries.close()
            throw error
        }
        await deliveries.close()
        return progress.state.withLock { $0.read }
    }
}

/// What a read of the dead-letter topic has collected, and whether it is settling one now.
private final class ReadProgress: Sendable {
    let state = Mutex((read: [DeadLetter](), busy: false))
}
