import Messaging

/// The error every part of the CQRS module throws: registering handlers, sending commands,
/// asking queries, relaying the outbox and waiting for projections.
///
/// A `ClassifiedError`: its ``code`` names the kind of failure and ``isRetriable`` says whether
/// the same call may succeed later. An error a command's handler throws on the receiving side
/// reaches the sender as a `CQRSError` with the same code, reason and field: a validation
/// failure is never a timeout.
public struct CQRSError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes can be added without breaking existing code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, as it appears in logs and replies.
        public let name: String

        /// Creates a code with the given name.
        public init(_ name: String) {
            self.name = name
        }

        /// The code's name.
        public var description: String { name }

        /// A second handler was registered for a command or query type that has one.
        public static let duplicateHandler = Code("duplicateHandler")
        /// A name, topic or version given when configuring is not valid.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// A command or query broke a rule of its type; ``CQRSError/fieldPath`` names the field.
        public static let validationFailed = Code("validationFailed")
        /// The command's handler refused it for a reason other than validation, and trying again
        /// will not help (the reason names the handler's own error code).
        public static let commandRejected = Code("commandRejected")
        /// No answer to a command arrived in time: nobody handles its type, or its handler is
        /// failing and being retried.
        public static let commandTimedOut = Code("commandTimedOut")
        /// A command or query could not be sent, or its answer not received: the transport
        /// refused it or the requester stopped. The reason carries the cause.
        public static let notDelivered = Code("notDelivered")
        /// No answer to a query arrived in time.
        public static let queryTimedOut = Code("queryTimedOut")
        /// The query's handler failed.
        public static let queryFailed = Code("queryFailed")
        /// A query asked in process has no handler registered.
        public static let noHandler = Code("noHandler")
        /// A projection did not apply the events of a consistency token in time.
        public static let consistencyTimedOut = Code("consistencyTimedOut")
        /// A consistency token's text is not one this module wrote.
        public static let invalidToken = Code("invalidToken")
        /// A value could not be encoded or decoded: a command, a result, an event or a reply.
        public static let codingFailed = Code("codingFailed")
        /// A store (outbox, projection) failed; the reason carries the store's own error.
        public static let storeFailed = Code("storeFailed")
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence naming what was wrong.
    public var reason: String
    /// Whether the same call, tried again unchanged, may succeed.
    public var isRetriable: Bool
    /// The path of the field that was wrong, for a ``Code/validationFailed`` error.
    public var fieldPath: String?
    /// The command or query type concerned, when known.
    public var messageType: String?
    /// The file that threw.
    public var file: String
    /// The line that threw.
    public var line: Int

    /// Creates an error.
    public init(
        _ code: Code,
        _ reason: String,
        isRetriable: Bool = false,
        fieldPath: String? = nil,
        messageType: String? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.reason = reason
        self.isRetriable = isRetriable
        self.fieldPath = fieldPath
        self.messageType = messageType
        self.file = file
        self.line = line
    }

    /// A validation error naming the field that was wrong: what a command's
    /// ``Command/validate()`` or handler throws to refuse it.
    ///
    /// ```swift
    /// guard threshold > 0 else { throw CQRSError.invalid("threshold", "must be positive") }
    /// ```
    public static func invalid(
        _ fieldPath: String,
        _ reason: String,
        file: String = #fileID,
        line: Int = #line
    ) -> CQRSError {
        CQRSError(.validationFailed, "Field '\(fieldPath)' \(reason).", fieldPath: fieldPath, file: file, line: line)
    }

    /// The code, the type and the reason, on one line.
    public var description: String {
        let type = messageType.map { " (\($0))" } ?? ""
        return "CQRSError.\(code)\(type): \(reason) [\(file):\(line)]"
    }
}

extension CQRSError: ClassifiedError {
    /// The name of the error's ``code``.
    public var codeName: String { code.name }
}
