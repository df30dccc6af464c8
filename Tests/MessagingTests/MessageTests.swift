import Foundation
import Messaging
import Testing

@Suite("Message")
struct MessageTests {
    @Test func defaultsMakeTheSimpleCaseOneLine() {
        let before = Date()
        let message = Message(payload: Data("hi".utf8))
        #expect(UUID(uuidString: message.id) != nil)
        #expect(message.type == Message.defaultType)
        #expect(message.source.hasPrefix("/"))
        #expect(message.time.map { $0 >= before } == true)
        #expect(message.key == nil && message.headers.isEmpty && message.extensions.isEmpty)
        #expect(Message().id != Message().id)
    }

    @Test func defaultIDsAreDistinctVersion4UUIDs() async {
        let ids = await withTaskGroup(of: [String].self) { tasks in
            for _ in 0..<4 {
                tasks.addTask { (0..<25_000).map { _ in Message().id } }
            }
            return await tasks.reduce(into: []) { $0 += $1 }
        }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(1000) {
            let uuid = UUID(uuidString: id)
            #expect(uuid != nil && id == id.lowercased())
            #expect(uuid.map { $0.uuid.6 >> 4 } == 4, "version nibble of \(id)")
            #expect(uuid.map { $0.uuid.8 >> 6 } == 0b10, "variant bits of \(id)")
        }
    }

    @Test func byteCountAddsPayloadAttributesKeyAndHeaders() {
        let message = Message(
            id: "12",
            source: "/s",
            type: "t",
            subject: "ab",
            extensions: ["x": "yz"],
            key: "k",
            headers: ["h": "v"],
            payload: Data(count: 10)
        )
        #expect(message.byteCount == 10 + 2 + 2 + 1 + 2 + 3 + 1 + 2)
    }

    @Test func validMessagePassesAndReportsItsSize() throws {
        let message = Message(extensions: ["tenant": "acme", "v2": "x"], payload: Data(count: 5))
        #expect(try message.validate(maximumBytes: 1000) == message.byteCount)
    }

    @Test(arguments: [
        (Message(id: ""), "id"),
        (Message(source: ""), "source"),
        (Message(type: ""), "type"),
        (Message(extensions: ["Upper": "x"]), "'Upper'"),
        (Message(extensions: ["with-dash": "x"]), "'with-dash'"),
        (Message(extensions: ["": "x"]), "''"),
        (Message(extensions: ["subject": "x"]), "'subject'"),
        (Message(headers: ["": "x"]), "header"),
    ])
    func invalidMessageIsRefusedNamingTheAttribute(message: Message, named: String) {
        #expect {
            try message.validate()
        } throws: { error in
            let error = error as! MessagingError
            return error.code == .invalidMessage && error.reason.contains(named)
        }
    }

    @Test func oversizedMessageNamesBothSizes() {
        let message = Message(id: "big", payload: Data(count: 100))
        #expect {
            try message.validate(maximumBytes: 50)
        } throws: { error in
            let error = error as! MessagingError
            return error.code == .messageTooLarge && error.reason.contains("\(message.byteCount) bytes")
                && error.reason.contains("50 bytes") && error.reason.contains("big")
        }
    }
}

@Suite("Topic and group names")
struct NameTests {
    @Test(arguments: ["orders", "MessageBus", "a.b_c-d", String(repeating: "x", count: 249)])
    func validTopicNames(name: String) throws {
        try TopicName.validate(name)
    }

    @Test(arguments: ["", ".", "..", "with space", "slash/topic", "ñ", String(repeating: "x", count: 250)])
    func invalidTopicNames(name: String) {
        #expect(throws: MessagingError.self) { try TopicName.validate(name) }
        do {
            try TopicName.validate(name)
        } catch {
            #expect(error.code == .invalidTopic)
            #expect(!error.reason.isEmpty)
        }
    }

    @Test(arguments: ["inventory", "facturación", "group with spaces", String(repeating: "g", count: 255)])
    func validGroupNames(name: String) throws {
        try GroupName.validate(name)
    }

    @Test(arguments: ["", "line\nbreak", String(repeating: "g", count: 256)])
    func invalidGroupNames(name: String) {
        do {
            try GroupName.validate(name)
            Issue.record("'\(name)' was accepted")
        } catch {
            #expect(error.code == .invalidGroup)
        }
    }
}

@Suite("Codecs")
struct CodecTests {
    struct Order: Codable, Equatable {
        var orderID: String
        var product: String
        var quantity: Int
        var price: Double
    }

    @Test func codableValueRoundTripsThroughAMessage() throws {
        let order = Order(orderID: "123458", product: "Laptop", quantity: 1, price: 1200)
        let message = try Message(encoding: order, type: "order.placed", key: order.orderID)
        #expect(message.type == "order.placed")
        #expect(message.key == "123458")
        #expect(message.dataContentType == "application/json")
        #expect(try message.decode(Order.self) == order)
    }

    @Test func typeDefaultsToTheSwiftTypeName() throws {
        #expect(try Message(encoding: Order(orderID: "1", product: "p", quantity: 1, price: 1)).type == "Order")
    }

    @Test func decodingErrorNamesTheMessageTypeAndField() throws {
        let message = Message(
            id: "m-1",
            type: "order.placed",
            payload: Data(#"{"orderID":"1","product":"p","quantity":"one","price":1}"#.utf8)
        )
        #expect {
            _ = try message.decode(Order.self)
        } throws: { error in
            let error = error as! MessagingError
            return error.code == .decodingFailed && error.reason.contains("m-1") && error.reason.contains("Order")
                && error.reason.contains("'quantity'") && !error.isRetriable
        }
    }

    @Test func missingFieldIsNamed() {
        let message = Message(payload: Data(#"{"orderID":"1","product":"p","quantity":1}"#.utf8))
        do {
            _ = try message.decode(Order.self)
            Issue.record("decoded an order without a price")
        } catch {
            #expect(error.reason.contains("missing field 'price'"))
        }
    }

    @Test func malformedJSONIsADecodingError() {
        let message = Message(payload: Data("{not json".utf8))
        #expect(throws: MessagingError.self) { try message.decode(Order.self) }
    }

    @Test func encodingFailureIsTyped() {
        let codec = JSONMessageCodec()
        do {
            _ = try codec.encode(Double.nan)
            Issue.record("encoded NaN as JSON")
        } catch {
            #expect(error.code == .encodingFailed)
        }
    }
}

@Suite("SubscriptionOptions")
struct SubscriptionOptionsTests {
    @Test func prefetchIsAtLeastOneHoweverItIsSet() {
        #expect(SubscriptionOptions(prefetch: 0).prefetch == 1)
        var options = SubscriptionOptions()
        #expect(options.prefetch == 256 && options.startPosition == .earliest)
        options.prefetch = -5
        #expect(options.prefetch == 1)
    }
}

@Suite("MessagingError")
struct MessagingErrorTests {
    @Test func descriptionNamesCodeReasonAndCallSite() {
        let error = MessagingError(.invalidTopic, "Topic name is empty.")
        #expect(error.description.contains("invalidTopic"))
        #expect(error.description.contains("Topic name is empty."))
        #expect(error.description.contains("MessagingTests/MessageTests.swift"))
        #expect(!error.isRetriable)
    }

    @Test func transportsCanExtendTheCodes() {
        let code = MessagingError.Code("kafka.brokerUnavailable")
        #expect(MessagingError(code, "down", isRetriable: true).code == code)
        #expect(code != .transportFailure)
    }
}
