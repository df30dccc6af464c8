import MessageBus
import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A polled item together with the JSON its source sent for it: its message carries those
/// bytes unchanged instead of the item encoded again.
///
/// The adapter still reads the decoded ``value`` for the item's identity and partition key; the
/// payload is the source's own text, with fields the value's type does not declare. Encoding
/// every item again costs more than decoding it, so this is also the fast way to poll a JSON
/// source: see `HTTPPageDecoder`'s decoders for `PolledJSON` items.
public struct PolledJSON<Value: PolledItem & BusMessage>: PolledItem {
    /// The item, decoded.
    public var value: Value
    /// The item's JSON as the source sent it.
    public var json: Data

    /// Pairs an item with its JSON.
    public init(_ value: Value, json: Data) {
        self.value = value
        self.json = json
    }

    /// The identity of ``value``.
    public var identity: String { value.identity }

    /// A message of `Value.messageType` with ``json`` as its payload, keyed and marked with its
    /// kind as a message made from ``value`` would be.
    public func message() throws -> Message {
        Message(value, payload: json, dataContentType: "application/json")
    }
}
