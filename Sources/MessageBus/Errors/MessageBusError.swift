import Messaging

/// The error every part of the message bus throws.
///
/// Like `MessagingError`, it has an extensible ``Code``, a human-readable ``reason`` and the call
/// site, and it is a `ClassifiedError`: ``codeName`` and ``isRetriable`` tell middleware what
/// kind of failure it is and whether trying again can help. It also names where the failure happened: the ``handler``, ``topic``, ``group`` and
/// ``messageID`` when they are known, so a log line or a dead letter says which message failed
/// in which application.
public struct MessageBusError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes can be added without breaking existing code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, as it appears in logs and dead-letter headers.
        public let name: String

        /// Creates a code with the given name.
        public init(_ name: String) {
            self.name = name
        }

        /// The code's name.
        public var description: String { name }

        /// A handler threw; ``MessageBusError/underlying`` holds what it threw.
        public static let handlerFailed = Code("handlerFailed")
        /// A payload could not be decoded into the handler's type.
        public static let decodingFailed = Code("decodingFailed")
        /// A handler did not finish within its ``Timeout``.
        public static let timedOut = Code("timedOut")
        /// ``Retry`` gave up; ``MessageBusError/underlying`` holds the last error.
        public static let retriesExhausted = Code("retriesExhausted")
        /// A ``ContentBasedRouter`` found no route for a message and has no default.
        public static let noRoute = Code("noRoute")
        /// A reply was requested for a message that carries no `reply-to` header.
        public static let noReturnAddress = Code("noReturnAddress")
        /// No reply arrived within a request's timeout.
        public static let requestTimedOut = Code("requestTimedOut")
        /// A bus, handler or middleware was configured wrongly.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// A message on a dead-letter topic lacks the headers needed to replay it.
        public static let invalidDeadLetter = Code("invalidDeadLetter")
        /// The bus or requester is not running, or has stopped.
        public static let notRunning = Code("notRunning")
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence naming what was wrong.
    public var reason: String
    /// Whether trying the same message again may succeed.
    public var isRetriable: Bool
    /// The handler that was running, when known.
    public var handler: String?
    /// The topic of the message being handled, when known.
    public var topic: String?
    /// The consumer group of the handler, when known.
    public var group: String?
    /// The id of the message being handled, when known.
    public var messageID: String?
    /// How many times the handler ran for this message, when known.
    public var attempts: Int?
    /// The error that caused this one.
    public var underlying: (any Error)?
    /// The file that threw.
    public var file: String
    /// The line that threw.
    public var line: Int

    /// Creates an error.
    public init(
        _ code: Code,
        _ reason: String,
        isRetriable: Bool = false,
        underlying: (any Error)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.reason = reason
        self.isRetriable = isRetriable
        self.underlying = underlying
        self.file = file
        self.line = line
    }

    /// The code, the reason, where it happened and what caused it, on one line.
    public var description: String {
        var text = "MessageBusError.\(code): \(reason)"
        let place = [
            handler.map { "handler \($0)" }, topic.map { "topic \($0)" }, group.map { "group \($0)" },
            messageID.map { "message \($0)" },
        ].compactMap { $0 }
        if !place.isEmpty {
            text += " (" + place.joined(separator: ", ") + ")"
        }
        if let underlying {
            text += " caused by: \(underlying)"
        }
        return text + " [\(file):\(line)]"
    }
}

extension MessageBusError: ClassifiedError {
    /// The name of the error's ``code``; for a ``Code/handlerFailed`` error caused by an error
    /// that classifies itself, that error's code name, so the cause names the failure.
    public var codeName: String {
        if code == .handlerFailed, let underlying = underlying as? any ClassifiedError {
            return underlying.codeName
        }
        return code.name
    }
}

extension MessageBusError {
    /// Whether trying a message again after `error` may succeed.
    ///
    /// An error that conforms to `ClassifiedError` — ``MessageBusError``, `MessagingError`,
    /// `CancellationError` and any error type of your own that conforms — says so itself through
    /// its `isRetriable`; any other error is assumed to be transient.
    public static func isRetriable(_ error: any Error) -> Bool {
        (error as? any ClassifiedError)?.isRetriable ?? true
    }

    /// A short, stable name for `error`: its `ClassifiedError/codeName` when it classifies
    /// itself, otherwise `handlerFailed`.
    static func codeName(of error: any Error) -> String {
        (error as? any ClassifiedError)?.codeName ?? Code.handlerFailed.name
    }

    /// `error` as a bus error that names the handler, topic, group and message it happened in.
    static func wrapping(_ error: any Error, in context: HandlerContext) -> MessageBusError {
        var wrapped: MessageBusError
        if let error = error as? MessageBusError {
            wrapped = error
        } else {
            wrapped = MessageBusError(
                .handlerFailed,
                "Handler '\(context.handler)' failed: \(error)",
                isRetriable: isRetriable(error),
                underlying: error
            )
        }
        wrapped.handler = wrapped.handler ?? context.handler
        wrapped.topic = wrapped.topic ?? context.topic
        wrapped.group = wrapped.group ?? context.group
        wrapped.messageID = wrapped.messageID ?? context.delivery.message.id
        return wrapped
    }
}
