import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The attributes a run of messages has in common: everything but the id, time, key and payload.
///
/// A batch of messages from one publisher usually shares its source, type and headers; storing
/// them once per run instead of once per message is most of what keeps a retained message small.
final class SharedAttributes: Sendable {
    let source: String
    let type: String
    let subject: String?
    let dataContentType: String?
    let dataSchema: String?
    let extensions: [String: String]
    let headers: [String: String]
    /// What these attributes count in `Message.byteCount`.
    let byteCount: Int

    init(of message: borrowing Message) {
        source = message.source
        type = message.type
        subject = message.subject
        dataContentType = message.dataContentType
        dataSchema = message.dataSchema
        extensions = message.extensions
        headers = message.headers
        byteCount = message.byteCount - message.id.utf8.count - message.payload.count - (message.key?.utf8.count ?? 0)
    }

    /// Whether `message` has exactly these attributes.
    func matches(_ message: Message) -> Bool {
        source == message.source && type == message.type && subject == message.subject
            && dataContentType == message.dataContentType && dataSchema == message.dataSchema
            && extensions == message.extensions && headers == message.headers
    }
}

/// A message as a partition log keeps it: one allocation holding the per-message attributes and
/// the id and payload bytes, plus a reference to the attributes it shares with its neighbours.
///
/// A retained 100-byte message costs about 220 bytes this way, against about 490 as a `Message`
/// value with its own id string and `Data` storage. The price is rebuilding the `Message` for each
/// delivery, which happens on the consuming task, outside the broker's lock.
///
/// Immutable once made, so it may be read from any thread.
final class StoredMessage: ManagedBuffer<StoredMessage.Header, UInt8> {
    struct Header {
        let attributes: SharedAttributes
        let key: String?
        let payloadCount: Int
        let time: Date?
        let idCount: UInt32
    }

    /// Copies `message` into a new stored message that refers to `attributes`, which must match it.
    static func make(_ message: Message, attributes: SharedAttributes) -> StoredMessage {
        var id = message.id
        let idCount = id.utf8.count
        let payloadCount = message.payload.count
        let buffer = create(minimumCapacity: idCount + payloadCount) { _ in
            Header(
                attributes: attributes,
                key: message.key,
                payloadCount: payloadCount,
                time: message.time,
                idCount: UInt32(idCount)
            )
        }
        let stored = unsafeDowncast(buffer, to: StoredMessage.self)
        stored.withUnsafeMutablePointerToElements { bytes in
            id.withUTF8 { bytes.initialize(from: $0.baseAddress!, count: idCount) }
            message.payload.copyBytes(to: bytes + idCount, count: payloadCount)
        }
        return stored
    }

    /// The partition key.
    var key: String? { header.key }

    /// The stored message's `Message.byteCount`.
    var byteCount: Int {
        let header = header
        return Int(header.idCount) + header.payloadCount + (header.key?.utf8.count ?? 0) + header.attributes.byteCount
    }

    /// The message, rebuilt: equal to the one stored.
    var message: Message {
        withUnsafeMutablePointers { header, bytes in
            let idCount = Int(header.pointee.idCount)
            return Message(
                id: String(decoding: UnsafeBufferPointer(start: bytes, count: idCount), as: UTF8.self),
                source: header.pointee.attributes.source,
                type: header.pointee.attributes.type,
                time: header.pointee.time,
                subject: header.pointee.attributes.subject,
                dataContentType: header.pointee.attributes.dataContentType,
                dataSchema: header.pointee.attributes.dataSchema,
                extensions: header.pointee.attributes.extensions,
                key: header.pointee.key,
                headers: header.pointee.attributes.headers,
                payload: Data(bytes: bytes + idCount, count: header.pointee.payloadCount)
            )
        }
    }
}
