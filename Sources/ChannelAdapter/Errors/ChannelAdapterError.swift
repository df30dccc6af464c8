import Messaging

/// The error every part of a channel adapter throws: polling a source, storing its cursor,
/// publishing what it read, and delivering messages to an external system.
///
/// A `ClassifiedError`: its ``code`` names the kind of failure — the `reason` label of the
/// `channel_adapter_errors_total` counter — and ``isRetriable`` says whether the same operation,
/// tried again, may succeed. The other properties say where the failure happened when known.
public struct ChannelAdapterError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes can be added without breaking existing code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, as it appears in logs, metrics and dead-letter headers.
        public let name: String

        /// Creates a code with the given name.
        public init(_ name: String) {
            self.name = name
        }

        /// The code's name.
        public var description: String { name }

        /// Another instance moved the cursor since it was loaded: the compare-and-set of a
        /// ``CursorStore`` failed. ``ChannelAdapterError/expectedCursor`` and
        /// ``ChannelAdapterError/actualCursor`` say what was expected and what was found.
        public static let cursorConflict = Code("cursorConflict")
        /// The cursor store failed to load or commit a cursor; ``ChannelAdapterError/underlying``
        /// holds why.
        public static let storeFailed = Code("storeFailed")
        /// The source failed to answer a poll; ``ChannelAdapterError/underlying`` holds why.
        public static let sourceFailed = Code("sourceFailed")
        /// The source answered a page that cannot be trusted: an item without identity, two items
        /// of one identity, or items without a cursor past them.
        public static let invalidPage = Code("invalidPage")
        /// An item of a page could not be made into a message; ``ChannelAdapterError/item``
        /// names it and ``ChannelAdapterError/underlying`` holds why.
        public static let invalidItem = Code("invalidItem")
        /// The bus refused to publish a page; ``ChannelAdapterError/underlying`` holds why.
        public static let publishFailed = Code("publishFailed")
        /// An adapter, store or policy was configured wrongly.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// A connection to an external system could not be made or was lost.
        public static let connectionFailed = Code("connectionFailed")
        /// An external system did not answer in time.
        public static let timedOut = Code("timedOut")
        /// An external system refused a delivery for good: a status that trying again cannot
        /// change, such as 400 or 404. ``ChannelAdapterError/statusCode`` holds it.
        public static let rejected = Code("rejected")
        /// A delivery failed every time it was allowed to be tried, or would have to wait longer
        /// than allowed before its next try.
        public static let retriesExhausted = Code("retriesExhausted")
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence naming what was wrong.
    public var reason: String
    /// Whether the same operation, tried again unchanged, may succeed.
    public var isRetriable: Bool
    /// The adapter, source or store concerned, when known.
    public var adapter: String?
    /// The identity of the item concerned, when known.
    public var item: String?
    /// The cursor the operation expected, for a ``Code/cursorConflict``; `nil` for none yet.
    public var expectedCursor: String?
    /// The cursor the store held instead, for a ``Code/cursorConflict``; `nil` for none.
    public var actualCursor: String?
    /// The status code an external system answered, when there was one.
    public var statusCode: Int?
    /// The error that caused this one, when there was one.
    public var underlying: (any Error)?
    /// The file that threw.
    public var file: String
    /// The line that threw.
    public var line: Int

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: What kind of failure this is.
    ///   - reason: A sentence naming what was wrong.
    ///   - isRetriable: Whether trying again may succeed. Default: whether `underlying` says so
    ///     when it is a `ClassifiedError`, else `false`.
    ///   - adapter: The adapter, source or store concerned. Default: `nil`.
    ///   - item: The identity of the item concerned. Default: `nil`.
    ///   - statusCode: The status code an external system answered. Default: `nil`.
    ///   - underlying: The error that caused this one. Default: `nil`.
    ///   - file: The file raising the error. Default: the caller's `#fileID`.
    ///   - line: The line raising the error. Default: the caller's `#line`.
    public init(
        _ code: Code,
        _ reason: String,
        isRetriable: Bool? = nil,
        adapter: String? = nil,
        item: String? = nil,
        statusCode: Int? = nil,
        underlying: (any Error)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.reason = reason
        self.isRetriable = isRetriable ?? ((underlying as? any ClassifiedError)?.isRetriable ?? false)
        self.adapter = adapter
        self.item = item
        self.statusCode = statusCode
        self.underlying = underlying
        self.file = file
        self.line = line
    }

    /// A ``Code/cursorConflict``: the cursor `name` was expected at `expected` but is at
    /// `actual`. Retriable: loading the cursor again and continuing from it succeeds.
    public static func cursorConflict(
        _ name: String,
        expected: String?,
        actual: String?,
        file: String = #fileID,
        line: Int = #line
    ) -> ChannelAdapterError {
        var error = ChannelAdapterError(
            .cursorConflict,
            "Cursor '\(name)' was expected at \(Self.describe(expected)) but another instance moved it to "
                + "\(Self.describe(actual)).",
            isRetriable: true,
            adapter: name,
            file: file,
            line: line
        )
        error.expectedCursor = expected
        error.actualCursor = actual
        return error
    }

    /// The code, the adapter and the reason, on one line.
    public var description: String {
        let place = adapter.map { " (adapter \($0))" } ?? ""
        let cause = underlying.map { " Underlying: \($0)" } ?? ""
        return "ChannelAdapterError.\(code)\(place): \(reason)\(cause) [\(file):\(line)]"
    }

    private static func describe(_ cursor: String?) -> String {
        cursor.map { "'\($0)'" } ?? "no cursor"
    }
}

extension ChannelAdapterError: ClassifiedError {
    /// The name of the error's ``code``.
    public var codeName: String { code.name }
}
