import Messaging

/// The error the heartbeat module throws: a configuration that cannot work, or an instance the
/// monitor does not know.
///
/// A `ClassifiedError` that is never retriable: the same call with the same values fails the
/// same way.
public struct HeartbeatError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes can be added without breaking existing code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, as it appears in logs.
        public let name: String

        /// Creates a code with the given name.
        public init(_ name: String) {
            self.name = name
        }

        /// The code's name.
        public var description: String { name }

        /// A value given to an emitter or a monitor cannot work: a grace period not longer than
        /// the interval, an interval that is not positive, an empty name, an invalid topic, or
        /// a bus that has already started.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// The monitor has never heard of the service instance named.
        public static let unknownInstance = Code("unknownInstance")
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence naming what was wrong.
    public var reason: String
    /// The error that caused this one, if any.
    public var underlying: (any Error & Sendable)?
    /// The file that threw.
    public var file: String
    /// The line that threw.
    public var line: Int

    /// Creates an error.
    public init(
        _ code: Code,
        _ reason: String,
        underlying: (any Error & Sendable)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
        self.file = file
        self.line = line
    }

    /// The code and the reason, on one line.
    public var description: String {
        "HeartbeatError.\(code): \(reason) [\(file):\(line)]"
    }
}

extension HeartbeatError: ClassifiedError {
    /// The name of the error's ``code``.
    public var codeName: String { code.name }
    /// Never: the same values fail the same way.
    public var isRetriable: Bool { false }
}
