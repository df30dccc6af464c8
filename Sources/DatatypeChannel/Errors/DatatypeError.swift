import Messaging

/// The error every part of a datatype channel throws: on sending, when looking input up in a
/// ``ChannelCatalog``, and when a received message is not of its channel's type.
///
/// A `ClassifiedError` that is never retriable: the same bytes on the same channel fail the
/// same way. Its ``code`` names the kind of failure — the `reason` label of the
/// `datatype_invalid_total` counter and of the ``InvalidMessageHeader/reason`` header — and the
/// other properties say what was wrong where they apply.
public struct DatatypeError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes can be added without breaking existing code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, as it appears in logs, headers and metrics.
        public let name: String

        /// Creates a code with the given name.
        public init(_ name: String) {
            self.name = name
        }

        /// The code's name.
        public var description: String { name }

        /// No channel of the catalog has the name asked for.
        public static let unknownChannel = Code("unknownChannel")
        /// The message or input is of another type than the channel's: another CloudEvents
        /// `type`, another media type, or bytes whose leading bytes say another format.
        public static let typeMismatch = Code("typeMismatch")
        /// The bytes do not decode into the channel's type: not JSON, not UTF-8, a field missing,
        /// of the wrong type or not declared by the schema. ``DatatypeError/fieldPath`` names the field.
        public static let undecodable = Code("undecodable")
        /// The value decoded but breaks a rule of its type or schema: a negative age, an empty name.
        public static let invalid = Code("invalid")
        /// The message declares a schema version the channel neither carries nor upgrades.
        public static let unsupportedVersion = Code("unsupportedVersion")
        /// The payload is larger than the channel's ``TypedChannel/maximumBytes``.
        public static let tooLarge = Code("tooLarge")
        /// Two channels of a ``ChannelCatalog`` share a name, a topic or a datatype and version.
        public static let duplicateChannel = Code("duplicateChannel")
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence naming what was wrong.
    public var reason: String
    /// The channel concerned, when known.
    public var channel: String?
    /// What the channel expected, for a ``Code/typeMismatch``: its type or media types.
    public var expected: String?
    /// What arrived instead, for a ``Code/typeMismatch``.
    public var actual: String?
    /// The path of the field that was wrong, such as `edad` or `address.city`, for a
    /// ``Code/undecodable`` or ``Code/invalid`` value.
    public var fieldPath: String?
    /// The file that threw.
    public var file: String
    /// The line that threw.
    public var line: Int

    /// Creates an error.
    public init(
        _ code: Code,
        _ reason: String,
        channel: String? = nil,
        expected: String? = nil,
        actual: String? = nil,
        fieldPath: String? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.reason = reason
        self.channel = channel
        self.expected = expected
        self.actual = actual
        self.fieldPath = fieldPath
        self.file = file
        self.line = line
    }

    /// An error for a value that breaks a rule of its type, naming the field: what a
    /// ``Datatype/validate()`` throws.
    ///
    /// ```swift
    /// guard edad >= 0 else { throw DatatypeError.invalid("edad", "must not be negative") }
    /// ```
    public static func invalid(
        _ fieldPath: String,
        _ reason: String,
        file: String = #fileID,
        line: Int = #line
    ) -> DatatypeError {
        DatatypeError(.invalid, "Field '\(fieldPath)' \(reason).", fieldPath: fieldPath, file: file, line: line)
    }

    /// The code, the channel and the reason, on one line.
    public var description: String {
        let place = channel.map { " (channel \($0))" } ?? ""
        return "DatatypeError.\(code)\(place): \(reason) [\(file):\(line)]"
    }

    /// The error with ``channel`` set to `name` if it had none.
    func on(_ name: String) -> DatatypeError {
        var error = self
        error.channel = error.channel ?? name
        return error
    }
}

extension DatatypeError: ClassifiedError {
    /// The name of the error's ``code``.
    public var codeName: String { code.name }
    /// Never: the same bytes on the same channel fail the same way.
    public var isRetriable: Bool { false }
}
