import Logging
import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Tells administrators that something needs their attention: a message was dead-lettered, a
/// handler failed, a message was invalid or broke a security rule, a service went silent.
///
/// The bus calls its notifier when a handler's failure reaches it; a ``DeadLetterChannel`` calls
/// its notifier for every dead letter. Middleware and handlers raise their own notifications
/// through the bus's notifier with ``HandlerContext/notify(_:)``, and other services with
/// ``Bus/notify(_:)``. Ship notifications wherever people look: a log
/// (``LoggingNotifier``), a topic (``TopicNotifier``), or an HTTP endpoint (`WebhookNotifier`
/// in the `MessageBusWebhook` module).
public protocol Notifier: Sendable {
    /// Delivers one notification; throws if it could not.
    func notify(_ notification: BusNotification) async throws
}

/// What a notifier is told: what happened, to which message, where.
///
/// Encodes as JSON with the property names below, which is the body a webhook receives.
public struct BusNotification: Sendable, Hashable, Codable {
    /// What happened. New kinds can be added without breaking existing code.
    public struct Kind: Hashable, Sendable, Codable, CustomStringConvertible {
        /// The kind's name.
        public let name: String

        /// Creates a kind with the given name.
        public init(_ name: String) {
            self.name = name
        }

        /// Encodes as a plain string.
        public init(from decoder: any Decoder) throws {
            name = try decoder.singleValueContainer().decode(String.self)
        }

        /// Encodes as a plain string.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(name)
        }

        /// The kind's name.
        public var description: String { name }

        /// A message was sent to a dead-letter topic.
        public static let deadLettered = Kind("deadLettered")
        /// A handler failed and its message was rejected for redelivery.
        public static let handlerFailed = Kind("handlerFailed")
        /// A message was invalid for the channel it arrived on: a datatype, schema or payload
        /// that the channel does not accept.
        public static let invalidMessage = Kind("invalidMessage")
        /// A message failed a security check: a missing or wrong signature, a replay, an
        /// unauthorized publisher, or a payload that does not decrypt.
        public static let securityViolation = Kind("securityViolation")
        /// A service stopped answering: its heartbeats or liveness checks stopped arriving.
        public static let serviceDead = Kind("serviceDead")
        /// A service reported dead answers again.
        public static let serviceRestored = Kind("serviceRestored")
        /// A health check a service reports about itself started failing.
        public static let healthCheckFailed = Kind("healthCheckFailed")
        /// A health check reported failing passes again.
        public static let healthCheckRecovered = Kind("healthCheckRecovered")
    }

    /// What happened.
    public var kind: Kind
    /// One sentence for a human.
    public var summary: String
    /// The id of the message concerned.
    public var messageID: String?
    /// The conversation the message belongs to.
    public var correlationID: String?
    /// The topic the message was read from.
    public var topic: String?
    /// The consumer group that was handling it.
    public var group: String?
    /// The handler that was handling it.
    public var handler: String?
    /// A short code for the cause, such as `retriesExhausted` or `decodingFailed`.
    public var reason: String?
    /// The description of the error.
    public var error: String?
    /// How many times the handler ran for the message.
    public var attempts: Int?
    /// Where the message went, for a dead letter.
    public var deadLetterTopic: String?
    /// The service concerned, for a notification about a service rather than a message.
    public var service: String?
    /// The instance of ``service`` concerned, when the notification is about one instance.
    public var instance: String?
    /// When it happened.
    public var time: Date

    /// The codec notifiers encode with: JSON with sorted keys and ISO 8601 times.
    public static let codec = JSONMessageCodec(
        makeEncoder: {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            return encoder
        },
        makeDecoder: {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return decoder
        }
    )

    /// Creates a notification.
    public init(
        kind: Kind,
        summary: String,
        messageID: String? = nil,
        correlationID: String? = nil,
        topic: String? = nil,
        group: String? = nil,
        handler: String? = nil,
        reason: String? = nil,
        error: String? = nil,
        attempts: Int? = nil,
        deadLetterTopic: String? = nil,
        service: String? = nil,
        instance: String? = nil,
        time: Date = Date()
    ) {
        self.kind = kind
        self.summary = summary
        self.messageID = messageID
        self.correlationID = correlationID
        self.topic = topic
        self.group = group
        self.handler = handler
        self.reason = reason
        self.error = error
        self.attempts = attempts
        self.deadLetterTopic = deadLetterTopic
        self.service = service
        self.instance = instance
        self.time = time
    }

    /// A notification about the message being handled in `context`: its id, correlation id,
    /// topic, group and handler filled in, and, given an `error`, its code name as ``reason``
    /// (see `ClassifiedError`) and its description as ``error``.
    ///
    /// ```swift
    /// await context.notify(
    ///     BusNotification(.invalidMessage, summary: "Order \(message.id) has no price.", context: context)
    /// )
    /// ```
    public init(_ kind: Kind, summary: String, context: HandlerContext, error: (any Error)? = nil) {
        let message = context.delivery.message
        self.init(
            kind: kind,
            summary: summary,
            messageID: message.id,
            correlationID: context.correlationID,
            topic: context.topic,
            group: context.group,
            handler: context.handler,
            reason: error.map(MessageBusError.codeName(of:)),
            error: error.map { "\($0)" }
        )
    }

    /// A notification about `error`, raised while handling the message of `context`.
    init(_ kind: Kind, error: MessageBusError, context: HandlerContext, deadLetterTopic: String? = nil) {
        let message = context.delivery.message
        let summary =
            if let deadLetterTopic {
                "Message \(message.id) from '\(context.topic)' was dead-lettered to '\(deadLetterTopic)' by handler '\(context.handler)': \(error.reason)"
            } else {
                "Handler '\(context.handler)' failed on message \(message.id) from '\(context.topic)': \(error.reason)"
            }
        self.init(
            kind: kind,
            summary: summary,
            messageID: message.id,
            correlationID: context.correlationID,
            topic: context.topic,
            group: context.group,
            handler: context.handler,
            reason: error.codeName,
            error: "\(error.underlying ?? error)",
            attempts: error.attempts,
            deadLetterTopic: deadLetterTopic
        )
    }
}

/// Writes each notification to a logger, at `error` level by default.
public struct LoggingNotifier: Notifier {
    private let logger: Logger
    private let level: Logger.Level

    /// Creates a notifier that logs to `logger` at `level`.
    public init(logger: Logger = Logger(label: "MessageBus.notifications"), level: Logger.Level = .error) {
        self.logger = logger
        self.level = level
    }

    /// Logs the notification's summary, with its fields as metadata.
    public func notify(_ notification: BusNotification) async throws {
        var metadata: Logger.Metadata = ["kind": "\(notification.kind)"]
        let fields: [(String, String?)] = [
            ("message-id", notification.messageID), ("correlation-id", notification.correlationID),
            ("topic", notification.topic), ("group", notification.group), ("handler", notification.handler),
            ("reason", notification.reason), ("error", notification.error),
            ("attempts", notification.attempts.map(String.init)), ("dead-letter-topic", notification.deadLetterTopic),
            ("service", notification.service), ("instance", notification.instance),
        ]
        for case (let name, let value?) in fields {
            metadata[name] = .string(value)
        }
        logger.log(level: level, "\(notification.summary)", metadata: metadata)
    }
}

/// Publishes each notification as a JSON message to a topic, where a monitoring application
/// can consume it.
public struct TopicNotifier: Notifier {
    private let publisher: any MessagePublisher
    private let topic: String

    /// Creates a notifier that publishes to `topic`.
    ///
    /// Notification messages have the type `messagebus.notification` and the key of the message
    /// concerned, if any.
    public init(publisher: any MessagePublisher, topic: String) {
        self.publisher = publisher
        self.topic = topic
    }

    /// Publishes the notification.
    public func notify(_ notification: BusNotification) async throws {
        var message = try Message(
            encoding: notification,
            type: "messagebus.notification",
            key: notification.messageID,
            codec: BusNotification.codec
        )
        message.correlationID = notification.correlationID
        try await publisher.publish(message, to: topic)
    }
}
