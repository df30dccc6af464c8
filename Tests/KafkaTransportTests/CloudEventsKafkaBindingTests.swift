import Foundation
import Messaging
import Testing

@testable import KafkaTransport

@Suite("CloudEvents Kafka binding")
struct CloudEventsKafkaBindingTests {
    func record(of message: Message) -> CloudEventsKafkaBinding.Record {
        CloudEventsKafkaBinding.Record(
            key: message.key.map { Array($0.utf8) },
            value: message.payload,
            headers: CloudEventsKafkaBinding.headers(of: message).map { ($0.name, Array($0.value.utf8)) },
            timestampMilliseconds: 1
        )
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
        let back = CloudEventsKafkaBinding.message(from: record(of: message), topic: "t", partition: 0, offset: 9)
        #expect(back == message)
    }

    @Test func optionalAttributesStayAbsent() {
        let message = Message(id: "2", source: "/s", type: "t", time: nil)
        let names = CloudEventsKafkaBinding.headers(of: message).map(\.name)
        #expect(names == ["ce_specversion", "ce_id", "ce_source", "ce_type"])
        let back = CloudEventsKafkaBinding.message(from: record(of: message), topic: "t", partition: 0, offset: 0)
        #expect(back.time == Date(timeIntervalSince1970: 0.001))
        #expect(back.subject == nil && back.dataContentType == nil)
    }

    @Test func foreignRecordsGetDerivedAttributes() {
        let record = CloudEventsKafkaBinding.Record(
            key: nil,
            value: Data("{}".utf8),
            headers: [("trace", Array("x".utf8))],
            timestampMilliseconds: 1_700_000_000_000
        )
        let message = CloudEventsKafkaBinding.message(from: record, topic: "orders", partition: 3, offset: 42)
        #expect(message.id == "orders-3-42")
        #expect(message.source == "kafka:orders")
        #expect(message.type == CloudEventsKafkaBinding.foreignRecordType)
        #expect(message.time == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(message.headers == ["trace": "x"])
        #expect(message.key == nil)
    }

    @Test(arguments: ["ce_id", "ce_custom", "content-type", "Content-Type"])
    func headersThatWouldShadowAttributesAreRefused(name: String) {
        #expect {
            try CloudEventsKafkaBinding.validate(Message(headers: [name: "x"]))
        } throws: { ($0 as! MessagingError).code == .invalidMessage }
    }

    @Test func timesUseRFC3339WithMilliseconds() {
        let date = Date(timeIntervalSince1970: 1_740_246_230.3059227)
        #expect(CloudEventsKafkaBinding.format(date) == "2025-02-22T17:43:50.305Z")
        #expect(CloudEventsKafkaBinding.parse("2025-02-22T17:43:50Z") == Date(timeIntervalSince1970: 1_740_246_230))
        #expect(CloudEventsKafkaBinding.parse("not a time") == nil)
    }
}
