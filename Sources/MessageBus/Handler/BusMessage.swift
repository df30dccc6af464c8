import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A `Codable` value that travels on the bus under a declared type name: the common interface
/// applications agree on instead of depending on each other.
///
/// ```swift
/// struct OrderPlaced: BusMessage {
///     static let messageType = "sales.order.placed"
///     var orderID: String
///     var partitionKey: String? { orderID }
/// }
/// ```
public protocol BusMessage: Codable, Sendable {
    /// The CloudEvents `type` messages of this kind carry, such as `sales.order.placed`.
    static var messageType: String { get }
    /// Whether this is an event, a command or a document. Default: ``BusMessageKind/event``.
    static var kind: BusMessageKind { get }
    /// The key that keeps related messages in order. Default: `nil` (no ordering).
    var partitionKey: String? { get }
}

extension BusMessage {
    /// Events by default.
    public static var kind: BusMessageKind { .event }
    /// No key by default.
    public var partitionKey: String? { nil }
}

/// The three kinds of message of enterprise integration: what happened, what to do, and data.
public enum BusMessageKind: String, Sendable, Codable, CaseIterable {
    /// Something that happened, told to whoever listens.
    case event
    /// A request that one receiver does something.
    case command
    /// Data handed over, with no request attached.
    case document
}

extension Message {
    /// A message carrying `value`: its type is `Value.messageType`, its key `value.partitionKey`,
    /// and its `message-kind` header `Value.kind`.
    public init<Value: BusMessage>(_ value: Value, codec: some MessageCodec = .json) throws(MessagingError) {
        self.init(value, payload: try codec.encode(value), dataContentType: codec.contentType)
    }

    /// A message carrying `value` already encoded as `payload` — the bytes a source sent for
    /// it, say — with the type, key and `message-kind` header a message made from `value` has.
    public init<Value: BusMessage>(_ value: Value, payload: Data, dataContentType: String) {
        self.init(
            type: Value.messageType,
            dataContentType: dataContentType,
            key: value.partitionKey,
            headers: [MessageHeader.messageKind: Value.kind.rawValue],
            payload: payload
        )
    }
}
