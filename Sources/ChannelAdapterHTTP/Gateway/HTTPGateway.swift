import AsyncHTTPClient
import ChannelAdapter
import Logging
import MessageBus
import Messaging
import Metrics
import NIOCore
import NIOHTTP1
import ServiceLifecycle

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A Channel Adapter that consumes a topic of a bus and makes one HTTP call per message: the
/// outbound side of an integration with a system that only speaks HTTP, such as `PUT`ting an
/// order's status to an ERP.
///
/// ```swift
/// let gateway = try HTTPGateway(
///     name: "erp-status",
///     bus: bus,
///     topic: "confirmations",
///     configuration: HTTPGatewayConfiguration(maximumConcurrency: 4, timeout: .seconds(10))
/// ) { message in
///     let confirmation = try message.decode(Confirmation.self)
///     return HTTPGatewayRequest(
///         method: .PUT,
///         url: "http://erp.internal/orders/\(confirmation.orderID)/status",
///         body: message.payload
///     )
/// }
/// // Run it beside the transport and the bus in a ServiceGroup.
/// ```
///
/// Every call carries `Idempotency-Key: <message id>`, so an endpoint that remembers keys
/// applies a message redelivered after a crash once. Then:
///
/// - **Order per key.** Messages with the same `Message.key` (or, without one, the same id)
///   are called one after another, in the order the topic holds them, each only once the one
///   before it is done or dead-lettered; messages of different keys are called in parallel.
/// - **Bounded concurrency.** At most ``HTTPGatewayConfiguration/maximumConcurrency`` calls
///   are in flight at once; a key waiting out a retry holds none.
/// - **Retries.** The ``HTTPGatewayConfiguration/policy`` decides after each try: 2xx is done;
///   408, 429, 5xx, timeouts and connection errors are tried again after the policy's backoff
///   or the `Retry-After` the endpoint asked for, whichever is longer.
/// - **Dead letters.** Any other answer — 400, 404, 422 — and a message whose tries ran out are
///   published, as they arrived and with the `dead-letter-*` headers of `MessageHeader`, to
///   the dead-letter topic; the bus's notifier is told once, with
///   `BusNotification.Kind.deliveryRejected` for a refusal and `deadLettered` when the tries
///   ran out. Either way the message is acknowledged and its key moves on.
///
/// A message is acknowledged only after its call succeeded or it was dead-lettered: a crash in
/// between delivers it again. On graceful shutdown the gateway stops taking messages, lets the
/// calls in flight finish, and leaves the rest — and any message waiting out a retry —
/// unsettled for the group's next member.
///
/// Metrics, labelled `gateway`: `channel_adapter_gateway_calls_total` (calls made, also
/// labelled `status`, `error` for none), `channel_adapter_gateway_delivered_total`,
/// `channel_adapter_gateway_retries_total` and `channel_adapter_gateway_dead_lettered_total`
/// (also labelled `reason`).
public final class HTTPGateway: Service, Sendable {
    /// The gateway's name: its consumer group unless configured otherwise, and the `handler` of
    /// its dead letters and notifications.
    public let name: String
    /// The bus whose topic the gateway consumes, and on which it publishes dead letters.
    public let bus: Bus
    /// The topic the gateway consumes.
    public let topic: String
    /// How the gateway consumes and calls.
    public let configuration: HTTPGatewayConfiguration

    private let request: @Sendable (Message) throws -> HTTPGatewayRequest
    private let client: HTTPClient
    private let sleep: @Sendable (Duration) async throws -> Void
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let metrics: GatewayMetrics
    private let permits: Permits

    /// The consumer group the gateway reads as.
    public var group: String { configuration.group ?? name }
    /// The topic refused messages go to.
    public var deadLetterTopic: String { configuration.deadLetterTopic ?? "\(topic).dead" }

    /// Creates a gateway.
    ///
    /// - Parameters:
    ///   - name: The gateway's name.
    ///   - bus: The bus to consume from and dead-letter on; its transport delivers the topic.
    ///   - topic: The topic to consume.
    ///   - configuration: Concurrency, timeout, retries and dead-letter topic. Default:
    ///     `HTTPGatewayConfiguration()`.
    ///   - client: The HTTP client. Default: `HTTPClient.shared`.
    ///   - clock: The clock the waits between tries are measured on. Default: `ContinuousClock`.
    ///   - now: The current time, for a `Retry-After` that is a date. Default: the system's.
    ///   - logger: Where the gateway logs. Default: the bus's logger.
    ///   - metricsFactory: Where the metrics go. Default: the bus's factory.
    ///   - request: The call to make for a message. A closure that throws dead-letters the
    ///     message as `ChannelAdapterError.Code.invalidItem`.
    /// - Throws: `ChannelAdapterError.Code.invalidConfiguration` for an empty name or an
    ///   invalid topic, group or dead-letter topic name.
    public init(
        name: String,
        bus: Bus,
        topic: String,
        configuration: HTTPGatewayConfiguration = HTTPGatewayConfiguration(),
        client: HTTPClient = .shared,
        clock: some Clock<Duration> = ContinuousClock(),
        now: @escaping @Sendable () -> Date = Date.init,
        logger: Logger? = nil,
        metricsFactory: (any MetricsFactory)? = nil,
        request: @escaping @Sendable (Message) throws -> HTTPGatewayRequest
    ) throws(ChannelAdapterError) {
        guard !name.isEmpty else {
            throw ChannelAdapterError(.invalidConfiguration, "An HTTP gateway needs a name.", isRetriable: false)
        }
        self.name = name
        self.bus = bus
        self.topic = topic
        self.configuration = configuration
        do {
            try TopicName.validate(topic)
            try TopicName.validate(configuration.deadLetterTopic ?? "\(topic).dead")
            try GroupName.validate(configuration.group ?? name)
        } catch {
            throw ChannelAdapterError(
                .invalidConfiguration,
                "HTTP gateway '\(name)' is configured wrongly: \(error.reason)",
                isRetriable: false,
                adapter: name,
                underlying: error
            )
        }
        self.request = request
        self.client = client
        self.sleep = { try await clock.sleep(for: $0) }
        self.now = now
        var logger = logger ?? bus.logger
        logger[metadataKey: "gateway"] = "\(name)"
        self.logger = logger
        self.metrics = GatewayMetrics(gateway: name, factory: metricsFactory ?? bus.metricsFactory)
        self.permits = Permits(configuration.maximumConcurrency)
    }

    // MARK: - Service

    /// Consumes the topic until graceful shutdown or cancellation.
    ///
    /// - Throws: The error subscribing or the subscription failed with; `CancellationError`
    ///   when cancelled other than by graceful shutdown.
    public func run() async throws {
        let deliveries = try await bus.transport.subscribe(
            to: topic,
            group: group,
            options: SubscriptionOptions(prefetch: configuration.prefetch)
        )
        logger.info("HTTP gateway started", metadata: ["topic": "\(topic)", "group": "\(group)"])
        do {
            try await dispatch(deliveries)
        } catch {
            await deliveries.close()
            throw error
        }
        await deliveries.close()
        logger.info("HTTP gateway stopped")
    }

    private func dispatch(_ deliveries: some DeliverySequence) async throws {
        let lanes = KeyedLanes()
        try await withThrowingDiscardingTaskGroup { group in
            for try await delivery in deliveries.cancelOnGracefulShutdown() {
                let key = delivery.message.key ?? delivery.message.id
                if lanes.enqueue(delivery, key: key) {
                    group.addTask {
                        await self.drain(key, lanes: lanes)
                    }
                }
            }
        }
    }

    /// Delivers the messages of `key`, one after another, until its queue is empty or the
    /// gateway stops.
    private func drain(_ key: String, lanes: KeyedLanes) async {
        var next = lanes.head(of: key)
        while let delivery = next {
            guard await settle(delivery) else { return }
            next = lanes.advance(key)
        }
    }

    // MARK: - Delivering

    /// Calls the endpoint for `delivery` until it is done or dead-lettered, and acknowledges
    /// it.
    ///
    /// - Returns: Whether the delivery was settled; `false` when the gateway stopped first.
    private func settle(_ delivery: Delivery) async -> Bool {
        let message = delivery.message
        var attempt = 1
        while true {
            if Task.isCancelled || Task.isShuttingDownGracefully {
                return false
            }
            let decision: DeliveryDecision
            do {
                decision = try await call(message, attempt: attempt)
            } catch {
                return false
            }
            switch decision {
            case .delivered:
                metrics.delivered.increment()
                acknowledge(delivery)
                return true
            case .retry(let delay):
                metrics.retried.increment()
                logger.notice(
                    "Call failed; trying again",
                    metadata: ["message": "\(message.id)", "attempt": "\(attempt)", "delay": "\(delay)"]
                )
                do {
                    try await cancelWhenGracefulShutdown { try await self.sleep(delay) }
                } catch {
                    return false
                }
                attempt += 1
            case .deadLetter(let error):
                guard await deadLetter(message, error: error, attempts: attempt) else { return false }
                acknowledge(delivery)
                return true
            }
        }
    }

    /// Makes try `attempt` of the call for `message`, holding a permit.
    ///
    /// - Returns: What the policy decides from the answer or the failure.
    /// - Throws: `CancellationError` when the gateway was cancelled during the call.
    private func call(_ message: Message, attempt: Int) async throws -> DeliveryDecision {
        let target: HTTPGatewayRequest
        do {
            target = try request(message)
        } catch {
            return .deadLetter(
                ChannelAdapterError(
                    .invalidItem,
                    "Message \(message.id) cannot be made into a request: \(error)",
                    isRetriable: false,
                    adapter: name,
                    item: message.id,
                    underlying: error
                )
            )
        }
        var outgoing = HTTPClientRequest(url: target.url)
        outgoing.method = target.method
        outgoing.headers = target.headers
        outgoing.headers.replaceOrAdd(name: "Idempotency-Key", value: message.id)
        if let body = target.body {
            outgoing.body = .bytes(ByteBuffer(bytes: body))
        }
        await permits.acquire()
        defer { permits.release() }
        do {
            let response = try await client.execute(outgoing, timeout: TimeAmount(configuration.timeout))
            let status = Int(response.status.code)
            metrics.called(status: "\(status)")
            // Read the body so the connection can be reused; a body too large is not needed.
            _ = try? await response.body.collect(upTo: 1 << 20)
            let decision = configuration.policy.decision(
                statusCode: status,
                retryAfter: response.headers.first(name: "Retry-After"),
                attempt: attempt,
                now: now()
            )
            if case .deadLetter(var error) = decision {
                error.reason = "\(target.method.rawValue) \(target.url): \(error.reason)"
                error.adapter = name
                error.item = message.id
                return .deadLetter(error)
            }
            return decision
        } catch {
            if Task.isCancelled {
                throw CancellationError()
            }
            metrics.called(status: "error")
            let failure = HTTPFailure.exchange(error, url: target.url, method: target.method.rawValue, adapter: name)
            return configuration.policy.decision(error: failure, attempt: attempt)
        }
    }

    /// Publishes `message` to the dead-letter topic with the headers saying why, and tells the
    /// notifier. Publishing is tried again until it succeeds, so that the key's later messages
    /// never overtake it.
    ///
    /// - Returns: Whether it was published; `false` when the gateway stopped first.
    private func deadLetter(_ message: Message, error: ChannelAdapterError, attempts: Int) async -> Bool {
        let deadLetter = message.deadLettered(
            reason: error.codeName,
            error: error.reason,
            sourceTopic: topic,
            group: group,
            handler: name,
            attempts: attempts,
            time: now()
        )
        var failures = 0
        while true {
            do {
                try await bus.publish(deadLetter, to: deadLetterTopic)
                break
            } catch {
                failures += 1
                let delay = configuration.policy.backoff.delay(after: failures)
                logger.error(
                    "Could not publish a dead letter; trying again",
                    metadata: ["message": "\(message.id)", "error": "\(error)", "delay": "\(delay)"]
                )
                do {
                    try await cancelWhenGracefulShutdown { try await self.sleep(delay) }
                } catch {
                    return false
                }
            }
        }
        metrics.deadLettered(reason: error.codeName)
        logger.warning(
            "Message dead-lettered",
            metadata: ["dead-letter-topic": "\(deadLetterTopic)", "message": "\(message.id)", "error": "\(error)"]
        )
        await bus.notify(
            BusNotification(
                kind: error.code == .rejected ? .deliveryRejected : .deadLettered,
                summary: "Message \(message.id) from '\(topic)' was dead-lettered to '\(deadLetterTopic)' by "
                    + "HTTP gateway '\(name)': \(error.reason)",
                messageID: message.id,
                correlationID: message.headers[MessageHeader.correlationID],
                topic: topic,
                group: group,
                handler: name,
                reason: error.codeName,
                error: "\(error)",
                attempts: attempts,
                deadLetterTopic: deadLetterTopic,
                time: now()
            )
        )
        return true
    }

    private func acknowledge(_ delivery: Delivery) {
        do {
            try delivery.acknowledge()
        } catch {
            logger.notice(
                "Could not acknowledge; the message will be delivered again",
                metadata: ["message": "\(delivery.message.id)", "error": "\(error)"]
            )
        }
    }
}

/// The metrics of one gateway.
private struct GatewayMetrics: Sendable {
    let gateway: String
    let factory: any MetricsFactory
    let delivered: Counter
    let retried: Counter

    init(gateway: String, factory: any MetricsFactory) {
        self.gateway = gateway
        self.factory = factory
        let dimensions = [("gateway", gateway)]
        delivered = Counter(label: "channel_adapter_gateway_delivered_total", dimensions: dimensions, factory: factory)
        retried = Counter(label: "channel_adapter_gateway_retries_total", dimensions: dimensions, factory: factory)
    }

    func called(status: String) {
        Counter(
            label: "channel_adapter_gateway_calls_total",
            dimensions: [("gateway", gateway), ("status", status)],
            factory: factory
        ).increment()
    }

    func deadLettered(reason: String) {
        Counter(
            label: "channel_adapter_gateway_dead_lettered_total",
            dimensions: [("gateway", gateway), ("reason", reason)],
            factory: factory
        ).increment()
    }
}
