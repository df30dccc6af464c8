/// The error every part of the messaging core throws.
///
/// A `MessagingError` names what went wrong (``code``), explains it in words a person can act on
/// (``reason``), says whether trying again may succeed (``isRetriable``), and records where it was
/// raised. Transports throw it for every violation of the transport contract — an invalid topic,
/// an oversized message, an operation after shutdown — so callers and the conformance suite can
/// match on ``code`` whatever transport runs underneath.
public struct MessagingError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    ///
    /// An extensible enumeration: the core defines the codes below, and transports may define
    /// their own with ``init(_:)``. Compare codes with `==`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, as printed in ``MessagingError/description``.
        public let name: String

        /// Creates a code. Transports use a dotted prefix, for example `kafka.brokerUnavailable`.
        public init(_ name: String) {
            self.name = name
        }

        public var description: String { name }

        /// A topic name is empty, too long, or contains characters a topic may not have.
        public static let invalidTopic = Code("invalidTopic")
        /// A consumer group name is empty, too long, or contains control characters; or the group
        /// cannot be used as asked (it does not exist, or still has members).
        public static let invalidGroup = Code("invalidGroup")
        /// A message breaks the message rules: an empty id, type or source, a bad extension
        /// attribute name, or a header with an empty name.
        public static let invalidMessage = Code("invalidMessage")
        /// A message is larger than the transport accepts.
        public static let messageTooLarge = Code("messageTooLarge")
        /// The transport is out of room: it was configured to refuse rather than wait, or the batch
        /// is larger than all the room it has.
        public static let capacityExceeded = Code("capacityExceeded")
        /// The transport, or the subscription, was shut down before or during the operation.
        public static let shutDown = Code("shutDown")
        /// The delivery was already acknowledged or rejected, or its subscription has ended.
        public static let deliveryNotPending = Code("deliveryNotPending")
        /// An explicitly created topic already exists with a different shape.
        public static let topicConflict = Code("topicConflict")
        /// A configuration value, or an argument such as a partition count, is out of range.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// A value could not be encoded into a payload.
        public static let encodingFailed = Code("encodingFailed")
        /// A payload could not be decoded into the requested type.
        public static let decodingFailed = Code("decodingFailed")
        /// The operation did not finish in the time allowed.
        public static let timedOut = Code("timedOut")
        /// The transport failed for a reason of its own; see ``MessagingError/reason``.
        public static let transportFailure = Code("transportFailure")
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence that says what was wrong, naming the offending value.
    public var reason: String
    /// Whether the same operation may succeed if tried again unchanged.
    public var isRetriable: Bool
    /// The error that caused this one, if any.
    public var underlying: (any Error)?
    /// The file that raised the error (`#fileID`).
    public var file: String
    /// The line that raised the error.
    public var line: Int

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: What kind of failure this is.
    ///   - reason: A sentence naming what was wrong.
    ///   - isRetriable: Whether trying again unchanged may succeed. Default: `false`.
    ///   - underlying: The error that caused this one. Default: `nil`.
    ///   - file: The file raising the error. Default: the caller's `#fileID`.
    ///   - line: The line raising the error. Default: the caller's `#line`.
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

    public var description: String {
        var text = "MessagingError.\(code): \(reason)"
        if let underlying {
            text += " (\(underlying))"
        }
        return text + " [\(file):\(line)]"
    }
}
