import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The canonical bytes a seal authenticates besides the payload: one unambiguous encoding of the
/// attributes that route or interpret a message. <doc:WireFormat> specifies it.
///
/// Every field is written in a fixed order; text as a 4-byte big-endian length and its UTF-8
/// bytes; an optional field as one byte, 0 when absent or 1 followed by the field; the time as
/// a signed 8-byte big-endian count of milliseconds since 1970-01-01T00:00:00Z.
enum AuthenticatedData {
    /// What the bytes start with, so that they cannot be mistaken for another protocol's.
    static let context = "messagesecurity/v1"

    /// The attribute bytes of `message`, sealed with `algorithm` under `keyID`, whose payload
    /// has (or had, before encryption) the content type `contentType`; for a signature, followed
    /// by the payload's length, `signedPayloadCount`, as 8 big-endian bytes.
    static func attributes(
        of message: Message,
        algorithm: SealAlgorithm,
        keyID: String,
        contentType: String?,
        signedPayloadCount: Int? = nil
    ) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160 + message.id.utf8.count + message.source.utf8.count + message.type.utf8.count)
        append(context, to: &bytes)
        append(algorithm.rawValue, to: &bytes)
        append(keyID, to: &bytes)
        append(message.id, to: &bytes)
        append(message.source, to: &bytes)
        append(message.type, to: &bytes)
        appendOptional(message.subject, to: &bytes)
        if let time = message.time {
            bytes.append(1)
            appendBigEndian(UInt64(bitPattern: milliseconds(of: time)), byteCount: 8, to: &bytes)
        } else {
            bytes.append(0)
        }
        appendOptional(contentType, to: &bytes)
        appendOptional(message.dataSchema, to: &bytes)
        if let signedPayloadCount {
            appendBigEndian(UInt64(signedPayloadCount), byteCount: 8, to: &bytes)
        }
        return bytes
    }

    /// `time` to the nearest millisecond, which every transport keeps exactly.
    static func truncated(_ time: Date) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds(of: time)) / 1000)
    }

    /// `time`'s milliseconds since 1970, rounded to the nearest.
    static func milliseconds(of time: Date) -> Int64 {
        Int64((time.timeIntervalSince1970 * 1000).rounded())
    }

    private static func append(_ text: String, to bytes: inout [UInt8]) {
        appendBigEndian(UInt64(text.utf8.count), byteCount: 4, to: &bytes)
        bytes.append(contentsOf: text.utf8)
    }

    private static func appendOptional(_ text: String?, to bytes: inout [UInt8]) {
        guard let text else {
            bytes.append(0)
            return
        }
        bytes.append(1)
        append(text, to: &bytes)
    }

    private static func appendBigEndian(_ value: UInt64, byteCount: Int, to bytes: inout [UInt8]) {
        for index in stride(from: byteCount - 1, through: 0, by: -1) {
            bytes.append(UInt8(truncatingIfNeeded: value >> (UInt64(index) * 8)))
        }
    }
}
