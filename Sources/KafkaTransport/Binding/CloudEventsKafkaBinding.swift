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

    static let prefix: StaticString = "ce_"
    static let contentType: StaticString = "content-type"

    /// A Kafka record's parts as the consumer reads them.
    struct Record<Headers: RecordHeaders> {
        /// The record key read as UTF-8, with invalid bytes replaced.
        var key: String?
        var value: Data
        /// Header values are read as UTF-8, with invalid bytes replaced.
        var headers: Headers
        var timestampMilliseconds: Int64?
    }

    // MARK: - Writing

    /// Checks that `message` fits the binding: its headers may not use the names the binding
    /// reserves for attributes.
    static func validate(_ message: Message) throws(MessagingError) {
        for name in message.headers.keys
        where name.hasPrefix(prefix.description) || name.lowercased() == contentType.description {
            throw MessagingError(
                .invalidMessage,
                "Message \(message.id) has header '\(name)'; on Kafka, 'ce_' headers and 'content-type' carry CloudEvents attributes."
            )
        }
    }

    /// Calls `body` with the UTF-8 name and value of each header that carries `message`'s
    /// attributes and transport headers; the bytes are valid only during the call. `ce_time` is
    /// written with `recentTime`: a writer of many records keeps one, so a time repeated from the
    /// last record is not formatted again.
    static func forEachHeader(
        of message: Message,
        recentTime: inout RFC3339.Recent,
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
                recentTime.withFormatted(time) { body(UnsafeRawBufferPointer(name), $0) }
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
            add("\(prefix)\(name)", value)
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

    /// Reads the records of one consumer into messages. The records of one producer usually
    /// share their source, type and content type: a reader reuses the last record's strings for
    /// values with the same bytes, rather than decoding and allocating them again per record.
    struct Reader {
        private var source: String?
        private var type: String?
        private var dataContentType: String?

        /// Rebuilds the message a record carries, reading each header in place: only the values
        /// a message keeps become strings, and `ce_time` is parsed from its bytes.
        mutating func message(
            from record: Record<some RecordHeaders>,
            topic: String,
            partition: Int32,
            offset: Int64
        ) -> Message {
            var id: String?
            var source: String?
            var type: String?
            var time: Date?
            var subject: String?
            var dataSchema: String?
            var dataContentType: String?
            var extensions = [String: String]()
            var headers = [String: String]()
            record.headers.forEach { name, value in
                func text() -> String { String(decoding: value, as: UTF8.self) }
                guard name.starts(with: prefix) else {
                    if name.equalsIgnoringASCIICase(contentType) {
                        dataContentType = Self.reusing(&self.dataContentType, for: value)
                    } else {
                        headers[String(decoding: name, as: UTF8.self)] = text()
                    }
                    return
                }
                let attribute = UnsafeRawBufferPointer(rebasing: name.dropFirst(prefix.utf8CodeUnitCount))
                if attribute.equals("id") {
                    id = text()
                } else if attribute.equals("source") {
                    source = Self.reusing(&self.source, for: value)
                } else if attribute.equals("type") {
                    type = Self.reusing(&self.type, for: value)
                } else if attribute.equals("time") {
                    time = RFC3339.parse(value)
                } else if attribute.equals("subject") {
                    subject = text()
                } else if attribute.equals("dataschema") {
                    dataSchema = text()
                } else if !attribute.equals("specversion") {
                    let attribute = String(decoding: attribute, as: UTF8.self)
                    if !Message.contextAttributeNames.contains(attribute) {
                        extensions[attribute] = text()
                    }
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

        /// `recent` if its bytes are `value`'s, else `value` decoded, kept as the new `recent`.
        private static func reusing(_ recent: inout String?, for value: UnsafeRawBufferPointer) -> String {
            if let recent, withUTF8(of: recent, { UnsafeRawBufferPointer($0).equals(value) }) {
                return recent
            }
            let decoded = String(decoding: value, as: UTF8.self)
            recent = decoded
            return decoded
        }
    }
}

/// The headers of a record, each name and value handed over as UTF-8 bytes that are valid only
/// during the call.
protocol RecordHeaders {
    func forEach(_ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void)
}

extension UnsafeRawBufferPointer {
    /// Whether these bytes are `other`'s.
    fileprivate func equals(_ other: UnsafeRawBufferPointer) -> Bool {
        count == other.count && (count == 0 || memcmp(baseAddress!, other.baseAddress!, count) == 0)
    }

    /// Whether these bytes are `literal`'s UTF-8.
    fileprivate func equals(_ literal: StaticString) -> Bool {
        count == literal.utf8CodeUnitCount && (count == 0 || memcmp(baseAddress!, literal.utf8Start, count) == 0)
    }

    /// Whether these bytes begin with `literal`'s UTF-8.
    fileprivate func starts(with literal: StaticString) -> Bool {
        count >= literal.utf8CodeUnitCount
            && (literal.utf8CodeUnitCount == 0
                || memcmp(baseAddress!, literal.utf8Start, literal.utf8CodeUnitCount) == 0)
    }

    /// Whether these bytes are `literal`'s UTF-8, ASCII letters in either case.
    fileprivate func equalsIgnoringASCIICase(_ literal: StaticString) -> Bool {
        guard count == literal.utf8CodeUnitCount else { return false }
        for index in 0..<count {
            let byte = self[index]
            let lowered = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
            if lowered != literal.utf8Start[index] { return false }
        }
        return true
    }
}
