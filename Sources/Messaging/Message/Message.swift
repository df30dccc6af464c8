#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A message: a CloudEvents 1.0 event plus a partition key, string headers and the payload bytes.
///
/// The attributes follow the CloudEvents 1.0 context attributes, so a message maps one-to-one to a
/// CloudEvent in any binding (on Kafka, the binary-mode Kafka binding). Everything has a default,
/// so the simple case is one line:
///
/// ```swift
/// let message = Message(payload: Data("hello".utf8))
/// ```
///
/// `Message` is a value type: copying is cheap and the payload bytes are shared until written.
public struct Message: Sendable, Hashable {
    /// The CloudEvents specification version every message carries.
    public static let specVersion = "1.0"

    /// The event type used when none is given.
    public static let defaultType = "message"

    /// The event source used when none is given: `/` followed by the process name.
    public static let defaultSource = "/" + ProcessInfo.processInfo.processName

    /// The payload bytes. May be empty.
    public var payload: Data
    /// Identifies the event; with ``source`` it is unique. Default: a new random UUID, in lower case.
    public var id: String
    /// Identifies the context in which the event happened, as a URI reference.
    /// Default: ``defaultSource``.
    public var source: String
    /// The kind of event, for example `com.example.order.placed`. Default: ``defaultType``.
    public var type: String
    /// When the event happened. Default: the time the message was created.
    public var time: Date?
    /// The subject of the event within the source, for example an order id.
    public var subject: String?
    /// The media type of ``payload``, for example `application/json`.
    public var dataContentType: String?
    /// The schema that ``payload`` adheres to, as a URI.
    public var dataSchema: String?
    /// CloudEvents extension attributes. Names are lower-case ASCII letters and digits.
    public var extensions: [String: String]
    /// The partition key: messages with the same key keep their order. `nil` spreads messages.
    public var key: String?
    /// Transport headers that are not CloudEvents attributes (correlation ids, attempt counts…).
    public var headers: [String: String]
}

extension Message {
    /// Creates a message.
    ///
    /// - Parameters:
    ///   - id: Identifies the event. Default: a new random UUID, in lower case.
    ///   - source: The event's context, as a URI reference. Default: ``defaultSource``.
    ///   - type: The kind of event. Default: ``defaultType``.
    ///   - time: When the event happened. Default: now.
    ///   - subject: The subject of the event within the source. Default: `nil`.
    ///   - dataContentType: The media type of the payload. Default: `nil`.
    ///   - dataSchema: The schema of the payload. Default: `nil`.
    ///   - extensions: CloudEvents extension attributes. Default: none.
    ///   - key: The partition key. Default: `nil`.
    ///   - headers: Transport headers. Default: none.
    ///   - payload: The payload bytes. Default: empty.
    public init(
        id: String = MessageID.next(),
        source: String = Message.defaultSource,
        type: String = Message.defaultType,
        time: Date? = Date(),
        subject: String? = nil,
        dataContentType: String? = nil,
        dataSchema: String? = nil,
        extensions: [String: String] = [:],
        key: String? = nil,
        headers: [String: String] = [:],
        payload: Data = Data()
    ) {
        // Declared in an extension, this initializer leaves Swift's memberwise one in place,
        // and the stored properties begin with `payload`, so that one has labels of its own. It
        // builds the message where it is returned; assigning each property here built it in a
        // temporary, copied it out and destroyed the temporary instead: a retain and a release
        // for every string, dictionary and buffer of every message made.
        self.init(
            payload: payload,
            id: id,
            source: source,
            type: type,
            time: time,
            subject: subject,
            dataContentType: dataContentType,
            dataSchema: dataSchema,
            extensions: extensions,
            key: key,
            headers: headers
        )
    }
}

// MARK: - Size and validation

extension Message {
    /// The CloudEvents context attribute names, which extension attributes may not reuse.
    public static let contextAttributeNames: Set<String> = [
        "id", "source", "specversion", "type", "datacontenttype", "dataschema", "subject", "time", "data",
    ]

    /// The number of bytes the message occupies on the wire, not counting framing:
    /// the payload plus every attribute, key and header.
    public var byteCount: Int {
        var total = payload.count + id.utf8.count + source.utf8.count + type.utf8.count
        total += subject?.utf8.count ?? 0
        total += dataContentType?.utf8.count ?? 0
        total += dataSchema?.utf8.count ?? 0
        total += key?.utf8.count ?? 0
        for (name, value) in extensions {
            total += name.utf8.count + value.utf8.count
        }
        for (name, value) in headers {
            total += name.utf8.count + value.utf8.count
        }
        return total
    }

    /// Checks the message against the CloudEvents rules and a size limit.
    ///
    /// Transports call this on every message of a batch before publishing any of them.
    ///
    /// - Parameter maximumBytes: The largest ``byteCount`` allowed, or `nil` for no limit.
    /// - Returns: The message's ``byteCount``.
    /// - Throws: ``MessagingError`` with code ``MessagingError/Code/invalidMessage`` naming the
    ///   attribute that is wrong, or ``MessagingError/Code/messageTooLarge`` with both sizes.
    @discardableResult
    public func validate(maximumBytes: Int? = nil) throws(MessagingError) -> Int {
        if id.isEmpty {
            throw MessagingError(.invalidMessage, "Message id is empty; CloudEvents requires a non-empty id.")
        }
        if source.isEmpty {
            throw MessagingError(.invalidMessage, "Message \(id) has an empty source; CloudEvents requires one.")
        }
        if type.isEmpty {
            throw MessagingError(.invalidMessage, "Message \(id) has an empty type; CloudEvents requires one.")
        }
        for name in extensions.keys {
            let valid =
                !name.isEmpty && name.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }
            if !valid {
                throw MessagingError(
                    .invalidMessage,
                    "Message \(id) has extension attribute '\(name)'; names must be lower-case ASCII letters and digits."
                )
            }
            if Self.contextAttributeNames.contains(name) {
                throw MessagingError(
                    .invalidMessage,
                    "Message \(id) has extension attribute '\(name)', which is a CloudEvents context attribute name."
                )
            }
        }
        if headers.keys.contains(where: \.isEmpty) {
            throw MessagingError(.invalidMessage, "Message \(id) has a header with an empty name.")
        }
        let size = byteCount
        if let maximumBytes, size > maximumBytes {
            throw MessagingError(
                .messageTooLarge,
                "Message \(id) is \(size) bytes; the transport accepts at most \(maximumBytes) bytes."
            )
        }
        return size
    }
}
