import Foundation
import Messaging

/// Maps a ``Messaging/Message`` to a Kafka record and back, following the CloudEvents Kafka
/// protocol binding in binary mode: attributes travel as `ce_`-prefixed headers, the media type
/// as `content-type`, the payload as the record value and the partition key as the record key.
///
/// A record without a `ce_id` header (written by a producer that knows nothing of CloudEvents) is
/// still read: its id is `<topic>-<partition>-<offset>`, its source `kafka:<topic>`, its type
/// ``foreignRecordType``, its time the record's timestamp, and its headers are kept as they are.
enum CloudEventsKafkaBinding {
    /// The type given to records that carry no CloudEvents attributes.
    static let foreignRecordType = "kafka.record"

    static let prefix = "ce_"
    static let contentType = "content-type"

    /// A Kafka record's parts as the consumer reads them.
    struct Record {
        /// The record key read as UTF-8, with invalid bytes replaced.
        var key: String?
        var value: Data
        /// Header values are read as UTF-8, with invalid bytes replaced.
        var headers: [(name: String, value: String)]
        var timestampMilliseconds: Int64?
    }

    // MARK: - Writing

    /// Checks that `message` fits the binding: its headers may not use the names the binding
    /// reserves for attributes.
    static func validate(_ message: Message) throws(MessagingError) {
        for name in message.headers.keys where name.hasPrefix(prefix) || name.lowercased() == contentType {
            throw MessagingError(
                .invalidMessage,
                "Message \(message.id) has header '\(name)'; on Kafka, 'ce_' headers and 'content-type' carry CloudEvents attributes."
            )
        }
    }

    /// Calls `body` with the UTF-8 name and value of each header that carries `message`'s
    /// attributes and transport headers; the bytes are valid only during the call.
    static func forEachHeader(
        of message: Message,
        _ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void
    ) {
        func add(_ name: StaticString, _ value: String) {
            name.withUTF8Buffer { add(UnsafeRawBufferPointer($0), value) }
        }
        func add(_ name: String, _ value: String) {
            withUTF8(of: name) { name in add(name, value) }
        }
        func add(_ name: UnsafeRawBufferPointer, _ value: String) {
            withUTF8(of: value) { body(name, $0) }
        }
        add("ce_specversion", Message.specVersion)
        add("ce_id", message.id)
        add("ce_source", message.source)
        add("ce_type", message.type)
        if let time = message.time {
            let name: StaticString = "ce_time"
            name.withUTF8Buffer { name in
                RFC3339.withFormatted(time) { body(UnsafeRawBufferPointer(name), $0) }
            }
        }
        if let subject = message.subject {
            add("ce_subject", subject)
        }
        if let dataSchema = message.dataSchema {
            add("ce_dataschema", dataSchema)
        }
        if let dataContentType = message.dataContentType {
            add(contentType, dataContentType)
        }
        for (name, value) in message.extensions {
            add(prefix + name, value)
        }
        for (name, value) in message.headers {
            add(name, value)
        }
    }

    /// Calls `body` with `text`'s UTF-8 bytes, borrowed from the string itself when it stores
    /// them contiguously, as native strings do: no copy of the string, so no reference counting.
    static func withUTF8<Result>(of text: String, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        if let result = text.utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        var copy = text
        return copy.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    // MARK: - Reading

    /// Rebuilds the message a record carries.
    static func message(from record: Record, topic: String, partition: Int32, offset: Int64) -> Message {
        var id: String?
        var source: String?
        var type: String?
        var time: Date?
        var subject: String?
        var dataSchema: String?
        var dataContentType: String?
        var extensions: [String: String] = [:]
        var headers: [String: String] = [:]
        for (name, value) in record.headers {
            switch name {
            case "ce_id": id = value
            case "ce_source": source = value
            case "ce_type": type = value
            case "ce_time": time = RFC3339.parse(value)
            case "ce_subject": subject = value
            case "ce_dataschema": dataSchema = value
            case "ce_specversion": continue
            case _ where name.hasPrefix(prefix):
                let attribute = String(name.dropFirst(prefix.count))
                if !Message.contextAttributeNames.contains(attribute) {
                    extensions[attribute] = value
                }
            case _ where name.lowercased() == contentType:
                dataContentType = value
            default:
                headers[name] = value
            }
        }
        return Message(
            id: id ?? "\(topic)-\(partition)-\(offset)",
            source: source ?? "kafka:\(topic)",
            type: type ?? foreignRecordType,
            time: time ?? record.timestampMilliseconds.map { Date(timeIntervalSince1970: Double($0) / 1000) },
            subject: subject,
            dataContentType: dataContentType,
            dataSchema: dataSchema,
            extensions: extensions,
            key: record.key,
            headers: headers,
            payload: record.value
        )
    }
}
