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

    /// A Kafka record's parts, as the producer writes them and the consumer reads them.
    struct Record {
        var key: [UInt8]?
        var value: Data
        var headers: [(name: String, value: [UInt8])]
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

    /// The headers that carry `message`'s attributes and transport headers.
    static func headers(of message: Message) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            ("ce_specversion", Message.specVersion),
            ("ce_id", message.id),
            ("ce_source", message.source),
            ("ce_type", message.type),
        ]
        headers.reserveCapacity(8 + message.extensions.count + message.headers.count)
        if let time = message.time {
            headers.append(("ce_time", format(time)))
        }
        if let subject = message.subject {
            headers.append(("ce_subject", subject))
        }
        if let dataSchema = message.dataSchema {
            headers.append(("ce_dataschema", dataSchema))
        }
        if let dataContentType = message.dataContentType {
            headers.append((contentType, dataContentType))
        }
        for (name, value) in message.extensions {
            headers.append((prefix + name, value))
        }
        for (name, value) in message.headers {
            headers.append((name, value))
        }
        return headers
    }

    // MARK: - Reading

    /// Rebuilds the message a record carries.
    static func message(from record: Record, topic: String, partition: Int32, offset: Int64) -> Message {
        var attributes: [String: String] = [:]
        var extensions: [String: String] = [:]
        var headers: [String: String] = [:]
        var dataContentType: String?
        for header in record.headers {
            let value = String(decoding: header.value, as: UTF8.self)
            if header.name.hasPrefix(prefix) {
                let name = String(header.name.dropFirst(prefix.count))
                if Message.contextAttributeNames.contains(name) {
                    attributes[name] = value
                } else {
                    extensions[name] = value
                }
            } else if header.name.lowercased() == contentType {
                dataContentType = value
            } else {
                headers[header.name] = value
            }
        }
        let recordTime = record.timestampMilliseconds.map { Date(timeIntervalSince1970: Double($0) / 1000) }
        return Message(
            id: attributes["id"] ?? "\(topic)-\(partition)-\(offset)",
            source: attributes["source"] ?? "kafka:\(topic)",
            type: attributes["type"] ?? foreignRecordType,
            time: attributes["time"].flatMap(parse) ?? recordTime,
            subject: attributes["subject"],
            dataContentType: dataContentType,
            dataSchema: attributes["dataschema"],
            extensions: extensions,
            key: record.key.map { String(decoding: $0, as: UTF8.self) },
            headers: headers,
            payload: record.value
        )
    }

    // MARK: - Time

    private static let timeStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// RFC 3339 in UTC with milliseconds, as CloudEvents requires.
    static func format(_ date: Date) -> String {
        timeStyle.format(date)
    }

    /// Parses RFC 3339 with or without fractional seconds.
    static func parse(_ text: String) -> Date? {
        (try? timeStyle.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
