import Logging
import Messaging
import ServiceLifecycle
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Sends requests and waits for their replies: the Request-Reply pattern over topics.
///
/// A request carries a return address (the `reply-to` header, set to ``replyTopic``) and its
/// own id as the correlation identifier. A handler answers with ``HandlerContext/reply(_:)``;
/// the bus sets the reply's `causation-id` to the request's id, which is how the requester
/// matches it. A responder outside the bus must set that header itself.
///
/// Requests leave through the bus's outgoing pipeline, like everything else the bus sends: they
/// get the bus's source and the trace context, count in `messagebus_published_total`, and pass
/// the bus's ``OutgoingMiddleware`` (signing, for instance) before the transport. Replies are
/// read from the bus's transport.
///
/// ```swift
/// let requester = Requester(bus: bus, replyTopic: "sales.replies")
/// // run `requester` in the ServiceGroup, then:
/// let stock = try await requester.request(StockQuery(product: "Laptop"), to: "inventory.queries",
///                                         replyType: StockLevel.self, timeout: .seconds(2))
/// ```
///
/// The requester is a `Service`: ``run()`` subscribes to ``replyTopic`` as a group of its own
/// (so each instance gets its own replies) and delivers replies to the waiting requests.
public final class Requester: Service, Sendable {
    /// The topic replies are addressed to.
    public let replyTopic: String
    /// The consumer group this requester reads replies as.
    public let group: String
    private let bus: Bus
    private let logger: Logger
    private let timekeeper: Timekeeper
    private let subscribed = Gate()
    private let pending = Mutex<[String: Promise<Message>]>([:])

    /// Creates a requester that sends through `bus`.
    ///
    /// - Parameters:
    ///   - bus: The bus whose outgoing pipeline requests pass, and on whose transport replies
    ///     are read. The bus need not be running.
    ///   - replyTopic: The topic replies are addressed to.
    ///   - group: The consumer group for replies. Default: a group unique to this requester.
    ///   - logger: The logger. Default: label `MessageBus.Requester`.
    ///   - clock: The clock timeouts are measured on. Default: `ContinuousClock`.
    public init(
        bus: Bus,
        replyTopic: String,
        group: String? = nil,
        logger: Logger = Logger(label: "MessageBus.Requester"),
        clock: some Clock<Duration> = ContinuousClock()
    ) {
        self.bus = bus
        self.replyTopic = replyTopic
        self.group = group ?? "\(replyTopic).requester-\(UUID().uuidString.lowercased())"
        self.logger = logger
        self.timekeeper = Timekeeper(clock)
    }

    /// Receives replies until graceful shutdown or cancellation; pending requests then fail
    /// with ``MessageBusError/Code/notRunning``.
    public func run() async throws {
        let deliveries: any DeliverySequence
        do {
            deliveries = try await bus.transport.subscribe(
                to: replyTopic,
                group: group,
                options: SubscriptionOptions(startPosition: .latest)
            )
        } catch {
            subscribed.fail(error)
            throw error
        }
        subscribed.open()
        defer { failPending() }
        do {
            try await cancelWhenGracefulShutdown {
                for try await delivery in deliveries {
                    self.deliver(delivery)
                }
            }
        } catch is CancellationError {
        }
        await deliveries.close()
    }

    /// Publishes `message` to `topic` as a request, through the bus's outgoing pipeline, and
    /// returns its reply.
    ///
    /// The request is `message` with ``replyTopic`` as its `reply-to`, and its own id as its
    /// correlation id unless it has one.
    ///
    /// - Throws: ``MessageBusError/Code/requestTimedOut`` when no reply arrives within `timeout`
    ///   (including when the requester is not running), or the error publishing failed with.
    public func request(_ message: Message, to topic: String, timeout: Duration = .seconds(30)) async throws -> Message
    {
        var addressed = message
        addressed.replyTo = replyTopic
        if addressed.correlationID == nil {
            addressed.correlationID = addressed.id
        }
        let request = addressed
        let reply = Promise<Message>()
        pending.withLock { $0[request.id] = reply }
        defer { _ = pending.withLock { $0.removeValue(forKey: request.id) } }
        let timekeeper = timekeeper
        let deadline = timekeeper.now() + timeout
        let answer = try await withDeadline({ try await timekeeper.sleepUntil(deadline) }) {
            try await self.subscribed.wait()
            try await self.bus.publish(request, to: topic)
            return try await reply.value()
        }
        guard let answer else {
            var error = MessageBusError(
                .requestTimedOut,
                "No reply to request \(request.id) sent to '\(topic)' arrived on '\(replyTopic)' within \(timeout).",
                isRetriable: true
            )
            error.topic = topic
            error.messageID = request.id
            throw error
        }
        return answer
    }

    /// Sends a typed request and decodes its reply as `Reply`.
    ///
    /// - Throws: What ``request(_:to:timeout:)`` throws, or ``MessageBusError/Code/decodingFailed``
    ///   when the reply does not decode.
    public func request<Reply: Decodable>(
        _ value: some BusMessage,
        to topic: String,
        replyType: Reply.Type = Reply.self,
        timeout: Duration = .seconds(30),
        codec: some MessageCodec = .json
    ) async throws -> Reply {
        let reply = try await request(Message(value, codec: codec), to: topic, timeout: timeout)
        do throws(MessagingError) {
            return try reply.decode(Reply.self, codec: codec)
        } catch {
            throw MessageBusError(.decodingFailed, error.reason, underlying: error)
        }
    }

    private func deliver(_ delivery: Delivery) {
        let reply = delivery.message
        if let requestID = reply.causationID, let waiting = pending.withLock({ $0.removeValue(forKey: requestID) }) {
            waiting.succeed(reply)
        } else {
            logger.debug(
                "Reply matches no waiting request",
                metadata: ["message-id": "\(reply.id)", "causation-id": "\(reply.causationID ?? "none")"]
            )
        }
        do {
            try delivery.acknowledge()
        } catch {
            logger.warning("Could not acknowledge reply", metadata: ["message-id": "\(reply.id)", "error": "\(error)"])
        }
    }

    private func failPending() {
        let waiting = pending.withLock { pending in
            defer { pending = [:] }
            return Array(pending.values)
        }
        for promise in waiting {
            promise.fail(
                MessageBusError(.notRunning, "The requester for '\(replyTopic)' stopped before the reply arrived.")
            )
        }
    }
}
