import Foundation
import Logging
import Messaging
import ServiceLifecycle
import Synchronization

/// Messaging over Apache Kafka, through librdkafka.
///
/// Publishing produces each batch with an idempotent producer (`acks=all`) and returns when the
/// brokers acknowledged every message. Each subscription is one member of a Kafka consumer group;
/// a delivery's position is committed only after it was settled (at-least-once), periodically,
/// on every rebalance and on shutdown. Messages map to records with the CloudEvents Kafka
/// binding in binary mode, so any Kafka client can read what this transport writes, and records
/// any client writes are readable here.
///
/// ```swift
/// let transport = try KafkaTransport(configuration: .init(bootstrapServers: ["localhost:9092"]))
/// try await transport.publish(order, to: "orders", key: order.id)
/// ```
///
/// Run the transport in a `ServiceGroup`, or call ``shutdown()``, so that accepted batches are
/// flushed and positions committed. A subscription keeps its transport alive; releasing the
/// transport and all its subscriptions stops it at once. Requires librdkafka 2.0.2 or newer.
public final class KafkaTransport: MessageTransport {
    private struct State {
        var isShutDown = false
        var publishing = 0
        var members: [ObjectIdentifier: RDKafkaConsumer] = [:]
        var createdTopics: Set<String> = []
    }

    /// How this transport connects, produces and consumes.
    public let configuration: KafkaConfiguration

    private let producer: RDKafkaProducer
    private let logger: Logger
    private let state = Mutex(State())
    /// Opens when shutdown is requested.
    private let shutdownRequested = Gate()
    /// Opens once shutdown is requested and no publish is in progress.
    private let idle = Gate()

    /// Creates a transport and its producer.
    ///
    /// - Parameters:
    ///   - configuration: Brokers, security, producer and consumer options.
    ///   - logger: Where the transport logs, librdkafka's own lines included (with the client,
    ///     broker, thread and facility as metadata). librdkafka logs at this logger's level unless
    ///     ``KafkaConfiguration/additionalProperties`` set `log_level`. Default: a logger labelled
    ///     `KafkaTransport`.
    /// - Throws: `MessagingError` with code `invalidConfiguration` and librdkafka's own message
    ///   when a property is refused.
    public init(
        configuration: KafkaConfiguration,
        logger: Logger = Logger(label: "KafkaTransport")
    ) throws(MessagingError) {
        guard !configuration.bootstrapServers.isEmpty else {
            throw MessagingError(.invalidConfiguration, "No Kafka bootstrap servers were given.")
        }
        self.configuration = configuration
        self.logger = logger
        try RDKafkaClient.validate(consumerProperties: configuration.consumerProperties(group: "validation"))
        self.producer = try RDKafkaProducer(
            properties: configuration.producerProperties,
            flushTimeout: configuration.producer.deliveryTimeout,
            closeTimeout: configuration.shutdownTimeout,
            logger: logger
        )
    }

    deinit {
        for member in state.withLock({ Array($0.members.values) }) {
            member.stop(.immediate)
        }
        producer.requestClose()
    }

    /// Ordered by key, consumer groups, replay from earliest, persistent.
    public var capabilities: TransportCapabilities {
        TransportCapabilities(
            ordersByKey: true,
            consumerGroups: true,
            replaysFromEarliest: true,
            isPersistent: true,
            maximumMessageBytes: configuration.maximumMessageBytes
        )
    }

    // MARK: - Publishing

    /// Produces the batch to `topic` and returns when the brokers acknowledged every message.
    ///
    /// Every message is checked first, so a bad one refuses the whole batch. If some messages
    /// cannot be delivered (the brokers stay unreachable past
    /// ``KafkaConfiguration/Producer/deliveryTimeout``), `publish` throws after the reports of all
    /// of them, saying how many were not published.
    ///
    /// The first `publish` to a topic asks the cluster for the topic's partitions before it
    /// enqueues anything, and throws `timedOut` if no broker answers within the delivery timeout.
    public func publish(_ messages: [Message], to topic: String) async throws {
        try TopicName.validate(topic)
        func validate(_ message: borrowing Message) throws(MessagingError) {
            try message.validate(maximumBytes: configuration.maximumMessageBytes)
            try CloudEventsKafkaBinding.validate(message)
        }
        for index in messages.indices {
            try validate(messages[index])
        }
        try state.withLock { state throws(MessagingError) in
            guard !state.isShutDown else {
                throw MessagingError(.shutDown, "The Kafka transport has been shut down.")
            }
            state.publishing += 1
        }
        defer { finishPublishing() }
        try await createIfNeeded(topic)
        try await producer.produce(messages, to: topic)
    }

    private func finishPublishing() {
        let isIdle = state.withLock { state in
            state.publishing -= 1
            return state.publishing == 0 && state.isShutDown
        }
        if isIdle {
            idle.open()
        }
    }

    // MARK: - Subscribing

    /// Joins `group` on `topic` as a new member; returns once the group gave it its first
    /// assignment (which is empty when the group has more members than the topic has partitions).
    ///
    /// A group with no committed position starts at the earliest or the latest offset, as
    /// `options.startPosition` says.
    ///
    /// - Throws: `MessagingError` for an invalid name, after shutdown, or `timedOut` when no
    ///   assignment arrives within ``KafkaConfiguration/Consumer/joinTimeout``.
    public func subscribe(
        to topic: String,
        group: String,
        options: SubscriptionOptions
    ) async throws -> KafkaDeliveries {
        try TopicName.validate(topic)
        try GroupName.validate(group)
        try await createIfNeeded(topic)
        let consumer = try RDKafkaConsumer(
            properties: configuration.consumerProperties(group: group),
            options: RDKafkaConsumer.Options(
                topic: topic,
                group: group,
                subscription: options,
                commitInterval: configuration.consumer.commitInterval,
                joinTimeout: configuration.consumer.joinTimeout,
                revocationGracePeriod: configuration.consumer.revocationGracePeriod,
                commitTimeout: configuration.shutdownTimeout,
                logger: logger
            ),
            logger: logger
        )
        try state.withLock { state throws(MessagingError) in
            guard !state.isShutDown else {
                throw MessagingError(.shutDown, "The Kafka transport has been shut down.")
            }
            state.members = state.members.filter { !$0.value.isClosed }
            state.members[ObjectIdentifier(consumer)] = consumer
        }
        do {
            try await consumer.join()
        } catch {
            consumer.stop(.immediate)
            throw error
        }
        logger.debug("Joined consumer group", metadata: ["topic": "\(topic)", "group": "\(group)"])
        return KafkaDeliveries(membership: KafkaMembership(consumer: consumer, transport: self))
    }

    /// Creates `topic` through the admin API the first time this transport uses it, when
    /// ``KafkaConfiguration/topicCreation`` asks for it.
    private func createIfNeeded(_ topic: String) async throws(MessagingError) {
        guard let shape = configuration.topicCreation, !state.withLock({ $0.createdTopics.contains(topic) }) else {
            return
        }
        try await producer.createTopic(topic, shape: shape, timeout: configuration.producer.deliveryTimeout)
        state.withLock { _ = $0.createdTopics.insert(topic) }
    }

    // MARK: - Topics

    /// The topics of the cluster and the number of partitions of each, from a metadata request.
    ///
    /// ```swift
    /// guard try await transport.topics()["orders"] != nil else { … }
    /// ```
    ///
    /// - Parameter timeout: How long to wait for a broker to answer. Default: 10 s.
    /// - Throws: `MessagingError` with code `timedOut` when no broker answers in time (the
    ///   brokers are unreachable), or `transportFailure` when the cluster refuses the request.
    public func topics(timeout: Duration = .seconds(10)) async throws(MessagingError) -> [String: Int] {
        try await producer.topics(timeout: timeout)
    }

    /// Per partition of `topic`, how many messages lie past `group`'s committed position: the
    /// partition's high watermark less the committed offset, or less its low watermark where the
    /// group has committed nothing yet.
    ///
    /// ```swift
    /// let lag = try await transport.consumerLag(of: "billing", on: "orders", timeout: .seconds(5))
    /// print(lag.values.reduce(0, +), "orders wait for billing")
    /// ```
    ///
    /// - Parameters:
    ///   - group: The consumer group.
    ///   - topic: The topic; it must exist.
    ///   - timeout: How long each request to the cluster may take. Default: 10 s.
    /// - Returns: The lag of each of the topic's partitions, by partition number.
    /// - Throws: `MessagingError` with code `invalidTopic` for a topic the cluster does not have,
    ///   `timedOut` when no broker answers in time, or `transportFailure` when the cluster refuses.
    public func consumerLagByPartition(
        of group: String,
        on topic: String,
        timeout: Duration = .seconds(10)
    ) async throws(MessagingError) -> [Int: Int] {
        try TopicName.validate(topic)
        try GroupName.validate(group)
        let lag = try await producer.lag(of: group, on: topic, timeout: timeout)
        return Dictionary(uniqueKeysWithValues: lag.map { (Int($0.key), Int($0.value)) })
    }

    // MARK: - Lifecycle

    /// Runs until graceful shutdown or cancellation, then shuts the transport down.
    public func run() async throws {
        await withTaskCancellationOrGracefulShutdownHandler {
            try? await self.shutdownRequested.wait()
        } onCancelOrGracefulShutdown: {
            self.requestShutdown()
        }
        await shutdown()
    }

    /// Stops taking work; waits for handed-out deliveries to be settled, commits and leaves the
    /// groups; then waits for publishes in progress and flushes the producer. Cancel the calling
    /// task to stop waiting for deliveries; their messages then go to the partitions' next owners.
    ///
    /// With the brokers unreachable, the members' committing and leaving, and then the publishes
    /// in progress with the producer's flush, each wait at most
    /// ``KafkaConfiguration/shutdownTimeout``; what could not be done is logged.
    public func shutdown() async {
        let members = requestShutdown()
        await withTaskCancellationHandler {
            for member in members {
                member.stop(.graceful)
            }
            for member in members {
                await member.waitUntilClosed()
            }
        } onCancel: {
            for member in members {
                member.stop(.immediate)
            }
        }
        // Publishes in progress, then the producer's flush, share one bound.
        let deadline = ContinuousClock.now.advanced(by: configuration.shutdownTimeout)
        if await !waitUntilIdle(within: configuration.shutdownTimeout) {
            logger.warning(
                "Publishes still in progress after the shutdown timeout fail",
                metadata: ["kafka.timeout": "\(configuration.shutdownTimeout)"]
            )
        }
        await producer.close(by: deadline)
        logger.debug("Kafka transport shut down")
    }

    /// Waits until no publish is in progress; `false` if `timeout` passed first.
    private func waitUntilIdle(within timeout: Duration) async -> Bool {
        let idle = idle
        return (try? await withDeadline({ try await Task.sleep(for: timeout) }, { try await idle.wait() })) != nil
    }

    @discardableResult
    private func requestShutdown() -> [RDKafkaConsumer] {
        let (members, isIdle) = state.withLock { state in
            state.isShutDown = true
            return (Array(state.members.values), state.publishing == 0)
        }
        shutdownRequested.open()
        if isIdle {
            idle.open()
        }
        return members
    }
}

// MARK: - Consumer lag

extension KafkaTransport: ConsumerLagReporting {
    /// The messages of `topic` past `group`'s committed position, over all partitions (see
    /// ``consumerLagByPartition(of:on:timeout:)``), or `nil` when the cluster does not answer
    /// within 10 seconds or has no such topic.
    public func consumerLag(of group: String, on topic: String) async -> Int? {
        guard let lag = try? await consumerLagByPartition(of: group, on: topic) else { return nil }
        return lag.values.reduce(0, +)
    }
}
