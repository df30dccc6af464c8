import Messaging

/// The error every part of message security throws: a message that failed a check, a key that
/// could not be loaded, or a configuration that cannot work.
///
/// It has an extensible ``Code``, a ``reason`` that names what was wrong, and the call site, and
/// it is a `ClassifiedError` that is never retriable: a message that fails a check fails it
/// again, and a bad key file stays bad until someone fixes it.
///
/// No error ever contains key material: a key is named by its id only.
public struct SecurityError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes can be added without breaking existing code.
    ///
    /// The codes of a refused message — ``tampered``, ``unsigned``, ``unencrypted``,
    /// ``unknownKey``, ``retiredKey``, ``replayed``, ``unauthorized`` and ``expired`` — are the
    /// reasons of `messagesecurity_rejected_total` and of the quarantine reason header.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, as it appears in logs, headers, notifications and metrics.
        public let name: String

        /// Creates a code with the given name.
        public init(_ name: String) {
            self.name = name
        }

        /// The code's name.
        public var description: String { name }

        /// The message's payload or an authenticated attribute was changed after it was sealed,
        /// or its seal is malformed: a missing key id, a signature that is not base64, a
        /// ciphertext too short to hold a nonce and tag.
        public static let tampered = Code("tampered")
        /// The message carries no signature where the policy requires one.
        public static let unsigned = Code("unsigned")
        /// The message is not encrypted (or not with the required algorithm) where the policy
        /// requires encryption.
        public static let unencrypted = Code("unencrypted")
        /// The message names a key id the key ring does not hold, or a key that cannot open its
        /// algorithm.
        public static let unknownKey = Code("unknownKey")
        /// The message was sealed under a key whose retirement date has passed.
        public static let retiredKey = Code("retiredKey")
        /// The message's id was already handled successfully.
        public static let replayed = Code("replayed")
        /// The message's authenticated source may not publish its type on its topic.
        public static let unauthorized = Code("unauthorized")
        /// The message is older than the maximum age the receiver accepts.
        public static let expired = Code("expired")
        /// A key file or environment variable could not be loaded; the reason names it and
        /// the problem.
        public static let invalidKeyFile = Code("invalidKeyFile")
        /// A key, key ring, policy or middleware was configured in a way that cannot work.
        public static let invalidConfiguration = Code("invalidConfiguration")

        /// The codes of a refused message, in the order they are documented.
        public static let rejections: [Code] = [
            tampered, unsigned, unencrypted, unknownKey, retiredKey, replayed, unauthorized, expired,
        ]
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence naming what was wrong, and where: the message id, key id, file or variable.
    public var reason: String
    /// The file that threw.
    public var file: String
    /// The line that threw.
    public var line: Int

    /// Creates an error.
    public init(_ code: Code, _ reason: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    /// The code, the reason and the call site, on one line.
    public var description: String {
        "SecurityError.\(code): \(reason) [\(file):\(line)]"
    }
}

extension SecurityError: ClassifiedError {
    /// The name of the error's ``code``.
    public var codeName: String { code.name }
    /// Never: the same message or key file fails the same way again.
    public var isRetriable: Bool { false }
}
