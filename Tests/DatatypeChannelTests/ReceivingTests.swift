import DatatypeChannel
import Foundation
import MessageBus
import MessageBusTesting
import Messaging
import Metrics
import MetricsTestKit
import Testing

@Suite("Receiving on a datatype channel")
struct ReceivingTests {
    @Test func aTypedConsumerReceivesTheValuesOfItsChannel() async throws {
        let harness = BusHarness()
        let customers = TypedChannel(Customer.self)
        let received = Collector<Customer>()
        try harness.bus.consume(customers, group: "crm") { customer, _ in
            received.append(customer)
        }
        try await harness.run {
            try await harness.bus.send(Customer.seed, on: customers)
            try await harness.waitUntilHandled(customers.topic, group: "crm")
        }
        #expect(received.all == [Customer.seed])
        #expect(harness.notifications.isEmpty)
    }

    @Test func aRecordOfTheWrongTypeGoesToTheInvalidChannelWithAnAlert() async throws {
        let metrics = TestMetrics()
        let harness = BusHarness(metricsFactory: metrics)
        let customers = TypedChannel(Customer.self)
        let received = Collector<Customer>()
        try harness.bus.consume(customers, group: "crm", options: .init(concurrency: 1)) { customer, _ in
            received.append(customer)
        }
        let order = Message(
            id: "order-1",
            type: "sales.order.placed",
            dataContentType: "application/json",
            payload: Data(#"{"order_id": "123458", "price": 1200.0}"#.utf8)
        )
        try await harness.run {
            // A foreign producer writes straight to the topic, past every check on sending.
            try await harness.transport.publish([order, try customers.message(Customer.seed)], to: customers.topic)
            try await harness.waitUntilHandled(customers.topic, group: "crm")
        }
        #expect(received.all == [Customer.seed])

        let invalid = harness.published(to: "datatype.customer.v1.invalid")
        #expect(invalid.count == 1)
        let refused = try #require(invalid.first)
        #expect(refused.id == "order-1")
        #expect(refused.payload == order.payload)
        #expect(refused.type == "sales.order.placed")
        #expect(refused.headers[InvalidMessageHeader.reason] == "typeMismatch")
        #expect(refused.headers[InvalidMessageHeader.expected] == "customer")
        #expect(refused.headers[InvalidMessageHeader.actual] == "sales.order.placed")
        #expect(refused.headers[InvalidMessageHeader.channel] == "customer")
        #expect(refused.headers[InvalidMessageHeader.sourceTopic] == "datatype.customer.v1")
        #expect(refused.headers[InvalidMessageHeader.group] == "crm")

        #expect(harness.notifications.count == 1)
        let alert = try #require(harness.notifications.first)
        #expect(alert.kind == .invalidMessage)
        #expect(alert.messageID == "order-1")
        #expect(alert.reason == "typeMismatch")
        #expect(alert.topic == "datatype.customer.v1")
        #expect(alert.deadLetterTopic == "datatype.customer.v1.invalid")
        #expect(alert.summary.contains("channel 'customer'"))

        let dimensions = [("channel", "customer"), ("reason", "typeMismatch")]
        #expect(metrics.counterTotal(label: "datatype_invalid_total", dimensions: dimensions) == 1)
    }

    @Test func aPlainRecordWithoutLabelsIsInvalid() async throws {
        let outcome = try await receive(
            Message(payload: Data(#"{"id": "10", "name": "Ada", "age": 1}"#.utf8)),
            on: TypedChannel(Customer.self)
        )
        #expect(outcome.handled == 0)
        #expect(outcome.reasons == ["typeMismatch"])
    }

    @Test func aRecordMissingAFieldIsInvalidAndNamesTheField() async throws {
        var message = try TypedChannel(Customer.self).message(Customer.seed)
        message.payload = Data(#"{"id": "10", "age": 1}"#.utf8)
        let outcome = try await receive(message, on: TypedChannel(Customer.self))
        #expect(outcome.reasons == ["undecodable"])
        #expect(outcome.invalid.first?.headers[InvalidMessageHeader.field] == "name")
    }

    @Test func aPNGInjectedOnTheDocumentChannelIsInvalid() async throws {
        let documents = TypedChannel(Document.self)
        var message = try documents.message(Document(Files.pdf))
        message.payload = Files.png
        let outcome = try await receive(message, on: documents)
        #expect(outcome.handled == 0)
        #expect(outcome.reasons == ["typeMismatch"])
        #expect(outcome.invalid.first?.payload == Files.png)
        #expect(outcome.invalid.first?.headers[InvalidMessageHeader.actual] == "image/png")
    }

    @Test func textThatIsNotUTF8InjectedOnTheTextChannelIsInvalid() async throws {
        let texts = TypedChannel(Text.self)
        var message = try texts.message(Text("hola"))
        message.payload = Files.notUTF8
        let outcome = try await receive(message, on: texts)
        #expect(outcome.reasons == ["undecodable"])
        #expect(outcome.invalid.first?.payload == Files.notUTF8)
    }

    @Test func aFileOverTheLimitInjectedOnTheImageChannelIsInvalid() async throws {
        let images = TypedChannel(Image.self, maximumBytes: 16)
        var message = try images.message(Image(Files.png))
        message.payload = Files.png + Data(count: 16)
        let outcome = try await receive(message, on: images)
        #expect(outcome.reasons == ["tooLarge"])
    }

    @Test func aDeclaredMediaTypeOfAnotherTypeIsInvalid() async throws {
        let images = TypedChannel(Image.self)
        var message = try images.message(Image(Files.png))
        message.dataContentType = "application/pdf"
        let outcome = try await receive(message, on: images)
        #expect(outcome.reasons == ["typeMismatch"])
    }

    @Test func anInvalidMessageThatCannotBeSetAsideIsRedeliveredNotDropped() async throws {
        let harness = BusHarness(outgoing: [RefuseTopic(topic: "datatype.text.v1.invalid")])
        let texts = TypedChannel(Text.self)
        try harness.bus.consume(
            texts,
            group: "reader",
            options: .init(concurrency: 1, maximumDeliveries: 2)
        ) { _, _ in }
        try await harness.run {
            try await harness.transport.publish(Message(id: "garbage", payload: Files.notUTF8), to: texts.topic)
            try await harness.waitUntilHandled(texts.topic, group: "reader")
        }
        #expect(harness.published(to: texts.invalidTopic).isEmpty)
        let deadLetter = try #require(harness.published(to: texts.topic + ".dead").first)
        #expect(deadLetter.id == "garbage")
    }

    /// Runs a typed consumer of `channel` on `message`, injected on the channel's topic.
    private func receive<Payload>(_ message: Message, on channel: TypedChannel<Payload>) async throws
        -> (handled: Int, invalid: [Message], reasons: [String?])
    {
        let harness = BusHarness()
        let handled = Collector<Bool>()
        try harness.bus.consume(channel, group: "reader") { _, _ in handled.append(true) }
        try await harness.run {
            try await harness.transport.publish(message, to: channel.topic)
            try await harness.waitUntilHandled(channel.topic, group: "reader")
        }
        let invalid = harness.published(to: channel.invalidTopic)
        #expect(invalid.count == 1)
        #expect(harness.notifications.map(\.kind) == [.invalidMessage])
        return (handled.all.count, invalid, harness.notifications.map(\.reason))
    }
}

/// An outgoing link that refuses every batch for one topic, as a broker that is down would.
struct RefuseTopic: OutgoingMiddleware {
    let topic: String

    nonisolated(nonsending) func publish(
        _ messages: [Message],
        to topic: String,
        context: OutgoingContext,
        next: NextPublisher
    )
        async throws -> [Message]
    {
        guard topic != self.topic else {
            throw MessagingError(.transportFailure, "'\(topic)' is unavailable.", isRetriable: true)
        }
        return try await next(messages, topic, context)
    }
}
