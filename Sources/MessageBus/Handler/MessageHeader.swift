import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The names of the headers the bus reads and writes.
///
/// Headers travel with a message on every transport (on Kafka as record headers), so another
/// service, in any language, can read them.
public enum MessageHeader {
    /// The conversation a message belongs to: the id of the first message, carried unchanged
    /// into every message produced while handling it.
    public static let correlationID = "correlation-id"
    /// The id of the message whose handling produced this one.
    public static let causationID = "causation-id"
    /// The topic a reply to this message should go to (the return address).
    public static let replyTo = "reply-to"
    /// Which try of the handler this is, starting at 1; written by ``Retry``.
    public static let attempt = "attempt"
    /// Whether a typed message is an event, a command or a document. See ``BusMessageKind``.
    public static let messageKind = "message-kind"
    /// The W3C trace context of the span that produced the message.
    public static let traceParent = "traceparent"
    /// Vendor-specific W3C trace state that goes with ``traceParent``.
    public static let traceState = "tracestate"

    /// The headers a ``DeadLetterChannel`` adds to a message it dead-letters.
    public enum DeadLetter {
        /// A short code for why the message was dead-lettered, such as `retriesExhausted` or `decodingFailed`.
        public static let reason = "dead-letter-reason"
        /// The description of the error that ended the message's handling.
        public static let error = "dead-letter-error"
        /// The topic the message was read from, where a replay puts it back.
        public static let sourceTopic = "dead-letter-source-topic"
        /// The consumer group of the handler that failed.
        public static let group = "dead-letter-group"
        /// The name of the handler that failed.
        public static let handler = "dead-letter-handler"
        /// How many times the handler ran for the message.
        public static let attempts = "dead-letter-attempts"
        /// When the message was dead-lettered, in ISO 8601.
        public static let time = "dead-letter-time"

        /// Every dead-letter header name.
        public static let all: [String] = [reason, error, sourceTopic, group, handler, attempts, time]
    }
}

extension Message {
    /// This message as a dead letter: unchanged but for the ``MessageHeader/DeadLetter`` headers
    /// that say why and where its handling ended. The bus, its ``DeadLetterChannel`` and any
    /// component that sets messages aside write them through this, so a dead-letter queue reads
    /// every dead letter alike.
    ///
    /// - Parameters:
    ///   - reason: A short code for why, such as `retriesExhausted`.
    ///   - error: The description of the error that ended the handling.
    ///   - sourceTopic: The topic the message was read from.
    ///   - group: The consumer group of the handler that failed.
    ///   - handler: The name of the handler that failed.
    ///   - attempts: How many times the handler ran for the message.
    ///   - time: When the message was set aside.
    public func deadLettered(
        reason: String,
        error: String,
        sourceTopic: String,
        group: String,
        handler: String,
        attempts: Int,
        time: Date
    ) -> Message {
        var deadLetter = self
        deadLetter.headers.merge(
            [
                MessageHeader.DeadLetter.reason: reason,
                MessageHeader.DeadLetter.error: error,
                MessageHeader.DeadLetter.sourceTopic: sourceTopic,
                MessageHeader.DeadLetter.group: group,
                MessageHeader.DeadLetter.handler: handler,
                MessageHeader.DeadLetter.attempts: String(attempts),
                MessageHeader.DeadLetter.time: time.formatted(.iso8601),
            ]
        ) { _, new in new }
        return deadLetter
    }

    /// The conversation this message belongs to; see ``MessageHeader/correlationID``.
    public var correlationID: String? {
        get { headers[MessageHeader.correlationID] }
        set { headers[MessageHeader.correlationID] = newValue }
    }

    /// The id of the message whose handling produced this one; see ``MessageHeader/causationID``.
    public var causationID: String? {
        get { headers[MessageHeader.causationID] }
        set { headers[MessageHeader.causationID] = newValue }
    }

    /// The topic a reply should go to; see ``MessageHeader/replyTo``.
    public var replyTo: String? {
        get { headers[MessageHeader.replyTo] }
        set { headers[MessageHeader.replyTo] = newValue }
    }
}
