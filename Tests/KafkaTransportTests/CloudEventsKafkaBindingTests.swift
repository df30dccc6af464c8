import Foundation
import Messaging
import Testing

@testable import KafkaTransport

@Suite("CloudEvents Kafka binding")
struct CloudEventsKafkaBindingTests {
    func headers(of message: Message) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        var recentTime = RFC3339.Recent()
        CloudEventsKafkaBinding.forEachHeader(of: message, recentTime: &recentTime) {
            headers.append((String(decoding: $0, as: UTF8.self), String(decoding: $1, as: UTF8.self)))
        }
        return headers
    }

    func record(of message: Message) -> CloudEventsKafkaBinding.Record<[(name: String, value: String)]> {
        CloudEventsKafkaBinding.Record(
            key: message.key,
            value: message.payload,
            headers: headers(of: message),
            timestampMilliseconds: 1
        )
    }

    /// The message a new reader reads from `record`.
    func readAlone(
        from record: CloudEventsKafkaBinding.Record<some RecordHeaders>,
        topic: String,
        partition: Int32,
        offset: Int64
    ) -> Message {
        var reader = CloudEventsKafkaBinding.Reader()
        return reader.message(from: record, topic: topic, partition: partition, offset: offset)
    }

    @Test func everyAttributeRoundTrips() {
        let message = Message(
            id: "1",
            source: "/s",
            type: "t",
            time: Date(timeIntervalSince1970: 1_700_000_000.25),
            subject: "sub",
            dataContentType: "text/plain",
            dataSchema: "urn:schema",
            extensions: ["traceparent": "00-abc", "tenant": "acme"],
            key: "k",
            headers: ["reply-to": "replies"],
            payload: Data("hi".utf8)
        )
        let back = readAlone(
            from: record(of: message),
            topic: "t",
            partition: 0,
            offset: 9
        )
        #expect(back == message)
    }

    @Test func optionalAttributesStayAbsent() {
        let message = Message(id: "2", source: "/s", type: "t", time: nil)
        let names = headers(of: message).map(\.name)
        #expect(names == ["ce_specversion", "ce_id", "ce_source", "ce_type"])
        let back = readAlone(
            from: record(of: message),
            topic: "t",
            partition: 0,
            offset: 0
        )
        #expect(back.time == Date(timeIntervalSince1970: 0.001))
        #expect(back.subject == nil && back.dataContentType == nil)
    }

    @Test func foreignRecordsGetDerivedAttributes() {
        let record = CloudEventsKafkaBinding.Record(
            key: nil,
            value: Data("{}".utf8),
            headers: [("trace", "x")],
            timestampMilliseconds: 1_700_000_000_000
        )
        let message = readAlone(from: record, topic: "orders", partition: 3, offset: 42)
        #expect(message.id == "orders-3-42")
        #expect(message.source == "kafka:orders")
        #expect(message.type == CloudEventsKafkaBinding.foreignRecordType)
        #expect(message.time == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(message.headers == ["trace": "x"])
        #expect(message.key == nil)
    }

    @Test func headersAreReadByTheirExactNames() {
        let headers: [(name: String, value: String)] = [
            ("ce_id", "7"), ("ce_source", "/s"), ("ce_type", "t"), ("ce_specversion", "1.0"),
            ("CONTENT-Type", "text/plain"), ("content\rtype", "kept"), ("ce_", "empty name"),
            ("ce_time", "2025-02-22T17:43:50.25Z"), ("ce_ids", "an extension"), ("ce_data", "a context name"),
            ("c", "short"), ("ce", "short too"),
        ]
        let record = CloudEventsKafkaBinding.Record(key: nil, value: Data(), headers: headers, timestampMilliseconds: 1)
        let message = readAlone(from: record, topic: "t", partition: 0, offset: 0)
        #expect(message.id == "7" && message.source == "/s" && message.type == "t")
        #expect(message.dataContentType == "text/plain")
        #expect(message.time == Date(timeIntervalSince1970: 1_740_246_230.25))
        #expect(message.extensions == ["ids": "an extension", "": "empty name"])
        #expect(message.headers == ["content\rtype": "kept", "c": "short", "ce": "short too"])
    }

    @Test("A reader reuses the last record's source, type and content type only while their bytes are the same")
    func readerReusesRepeatedAttributes() {
        func storage(_ text: String) -> UnsafeRawPointer? {
            text.utf8.withContiguousStorageIfAvailable { UnsafeRawPointer($0.baseAddress) } ?? nil
        }
        let first = Message(source: "/orders-service/eu-west", type: "com.example.order.created.v1")
        let changed = Message(source: "/orders-service/eu-east", type: "com.example.order.created.v2")
        var reader = CloudEventsKafkaBinding.Reader()
        let read = [first, first, changed, Message(source: "", type: ""), first].enumerated().map { offset, message in
            var message = message
            message.dataContentType = offset == 2 ? "application/cloudevents+json" : "application/json; charset=utf-8"
            return reader.message(from: record(of: message), topic: "t", partition: 0, offset: Int64(offset))
        }
        #expect(read.map(\.source) == [first, first, changed, Message(source: ""), first].map(\.source))
        #expect(read.map(\.type) == [first.type, first.type, changed.type, "", first.type])
        #expect(
            read.map(\.dataContentType)
                == [0, 1, 2, 3, 4].map {
                    $0 == 2 ? "application/cloudevents+json" : "application/json; charset=utf-8"
                }
        )
        #expect(storage(read[0].source) == storage(read[1].source))
        #expect(storage(read[0].type) == storage(read[1].type))
        #expect(storage(read[0].dataContentType!) == storage(read[1].dataContentType!))
        #expect(storage(read[0].source) != storage(read[4].source))
    }

    @Test(arguments: ["ce_id", "ce_custom", "content-type", "Content-Type"])
    func headersThatWouldShadowAttributesAreRefused(name: String) {
        #expect {
            try CloudEventsKafkaBinding.validate(Message(headers: [name: "x"]))
        } throws: { ($0 as! MessagingError).code == .invalidMessage }
    }

    @Test func timesAreWrittenInUTCWithMilliseconds() {
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_740_246_230.3059227)) == "2025-02-22T17:43:50.305Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: -0.001)) == "1969-12-31T23:59:59.999Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00.000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 253_402_300_799.5)) == "9999-12-31T23:59:59.500Z")
    }

    @Test func aWriterOfManyTimesWritesEachOneItsOwn() {
        var recent = RFC3339.Recent()
        func write(_ seconds: Double) -> String {
            recent.withFormatted(Date(timeIntervalSince1970: seconds)) { String(decoding: $0, as: UTF8.self) }
        }
        #expect(write(1_740_246_230.305) == "2025-02-22T17:43:50.305Z")
        #expect(write(1_740_246_230.3059) == "2025-02-22T17:43:50.305Z")
        #expect(write(1_740_246_230.306) == "2025-02-22T17:43:50.306Z")
        let farPast = Date(timeIntervalSince1970: -62_198_755_200.5)
        #expect(write(-62_198_755_200.5) == Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(farPast))
        #expect(write(1_740_246_230.306) == "2025-02-22T17:43:50.306Z")
        #expect(write(0) == "1970-01-01T00:00:00.000Z")
    }

    @Test func timesFrom1600To9999MatchFoundationAndRoundTrip() {
        let foundation = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        var mismatches: [String] = []
        var seconds: Int64 = -11_676_096_000
        while seconds < 253_402_300_800, mismatches.count < 5 {
            let whole = Date(timeIntervalSince1970: Double(seconds))
            let milliseconds = seconds * 1000 + seconds % 1000
            let text = RFC3339.format(Date(timeIntervalSince1970: Double(milliseconds) / 1000))
            let back = RFC3339.parse(text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
            if RFC3339.format(whole) != foundation.format(whole) || back != milliseconds {
                mismatches.append("\(milliseconds) ms: \(text)")
            }
            seconds += 3_999_997
        }
        #expect(mismatches.isEmpty)
    }

    @Test(arguments: [
        ("2025-02-22T17:43:50Z", 1_740_246_230.0),
        ("2025-02-22t17:43:50z", 1_740_246_230.0),
        ("2025-02-22T17:43:50.25Z", 1_740_246_230.25),
        ("2025-02-22T17:43:50.123456789123Z", 1_740_246_230.123456789),
        ("2025-02-22T19:43:50+02:00", 1_740_246_230.0),
        ("2025-02-22T12:13:50.5-05:30", 1_740_246_230.5),
        ("2024-02-29T00:00:00Z", 1_709_164_800.0),
    ])
    func timesAreReadInEveryRFC3339Form(text: String, seconds: Double) {
        let parsed = RFC3339.parse(text)?.timeIntervalSince1970
        #expect(parsed.map { abs($0 - seconds) < 1e-6 } == true, "\(text) read as \(String(describing: parsed))")
    }

    @Test(arguments: [
        "not a time", "", "2025-02-22", "2025-02-22T17:43:50", "2025-02-22 17:43:50Z", "2025-13-01T00:00:00Z",
        "2025-02-29T00:00:00Z", "2025-02-22T24:00:00Z", "2025-02-22T17:43:50.Z", "2025-02-22T17:43:50+0200",
        "2025-02-22T17:43:50Zjunk", "20250-02-22T17:43:50Z",
    ])
    func malformedTimesAreRefused(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }
}

/// Headers as Swift strings, as a test writes them.
extension Array: RecordHeaders where Element == (name: String, value: String) {
    public func forEach(_ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void) {
        for (name, value) in self {
            CloudEventsKafkaBinding.withUTF8(of: name) { name in
                CloudEventsKafkaBinding.withUTF8(of: value) { body(name, $0) }
            }
        }
    }
}
