import MessageBus
import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A channel a ``ChannelCatalog`` can hold: a ``TypedChannel`` of any datatype.
public protocol CatalogChannel: Sendable {
    /// What the channel carries.
    var descriptor: ChannelDescriptor { get }
    /// A labelled message for input given as bytes and a media type, checked as the channel's
    /// datatype.
    ///
    /// - Throws: ``DatatypeError`` naming what did not fit.
    func message(fromInput payload: Data, contentType: String?) throws(DatatypeError) -> Message
}

extension TypedChannel: CatalogChannel {
    /// A labelled message for input given as bytes and a media type.
    ///
    /// The media type, when given, must be one of the datatype's; then the bytes are read and
    /// validated as the datatype, as ``value(of:)`` reads a message's.
    public func message(fromInput payload: Data, contentType: String?) throws(DatatypeError) -> Message {
        try message(value(ofInput: payload, contentType: contentType))
    }
}

/// The channels an application sends and receives on, by name: where input that arrives
/// untyped — an HTTP body, a command-line argument — finds its channel and is checked against
/// its datatype before anything is published.
///
/// ```swift
/// let catalog = try ChannelCatalog([TypedChannel(Customer.self), TypedChannel(Image.self)])
/// let outgoing = try catalog.message(forChannel: "customer", payload: body, contentType: "application/json")
/// try await bus.publish(outgoing.message, to: outgoing.topic)
/// ```
public struct ChannelCatalog: Sendable {
    private let entries: [any CatalogChannel]

    /// Creates a catalog of `channels`, in the order given.
    ///
    /// - Throws: ``DatatypeError/Code/duplicateChannel`` if two channels share a name, a topic,
    ///   or a datatype and version.
    public init(_ channels: [any CatalogChannel]) throws(DatatypeError) {
        var names: Set<String> = []
        var topics: Set<String> = []
        var types: Set<String> = []
        for channel in channels {
            let descriptor = channel.descriptor
            let type = "\(descriptor.typeName) v\(descriptor.schemaVersion)"
            let duplicate =
                if !names.insert(descriptor.name).inserted {
                    "the name '\(descriptor.name)'"
                } else if !topics.insert(descriptor.topic).inserted {
                    "the topic '\(descriptor.topic)'"
                } else if !types.insert(type).inserted {
                    "the datatype \(type)"
                } else {
                    String?.none
                }
            if let duplicate {
                throw DatatypeError(
                    .duplicateChannel,
                    "Channel '\(descriptor.name)' has \(duplicate), which another channel of the catalog has.",
                    channel: descriptor.name
                )
            }
        }
        entries = channels
    }

    /// The channels, in the order they were given.
    public var channels: [ChannelDescriptor] {
        entries.map(\.descriptor)
    }

    /// The channel named `name`.
    ///
    /// - Throws: ``DatatypeError/Code/unknownChannel``.
    public func channel(named name: String) throws(DatatypeError) -> ChannelDescriptor {
        try entry(named: name).descriptor
    }

    /// A labelled message for input to the channel named `name`, with the topic to publish it to.
    ///
    /// Nothing is published: publish the result, or send it with
    /// ``MessageBus/Bus/send(_:contentType:toChannel:in:)``.
    ///
    /// - Parameters:
    ///   - name: The channel's name.
    ///   - payload: The input bytes.
    ///   - contentType: The input's media type, if it declares one; parameters such as
    ///     `charset` are ignored.
    /// - Throws: ``DatatypeError``: ``DatatypeError/Code/unknownChannel``, or what the channel's
    ///   checks found (``DatatypeError/Code/typeMismatch``, ``DatatypeError/Code/undecodable``,
    ///   ``DatatypeError/Code/invalid``, ``DatatypeError/Code/tooLarge``).
    public func message(forChannel name: String, payload: Data, contentType: String?) throws(DatatypeError)
        -> OutgoingMessage
    {
        let entry = try entry(named: name)
        return OutgoingMessage(
            try entry.message(fromInput: payload, contentType: contentType),
            to: entry.descriptor.topic
        )
    }

    private func entry(named name: String) throws(DatatypeError) -> any CatalogChannel {
        guard let entry = entries.first(where: { $0.descriptor.name == name }) else {
            let known = entries.map(\.descriptor.name).joined(separator: ", ")
            throw DatatypeError(
                .unknownChannel,
                "There is no channel named '\(name)'; the channels are: \(known).",
                channel: name
            )
        }
        return entry
    }
}
