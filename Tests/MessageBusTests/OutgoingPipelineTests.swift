import InMemoryTransport
import MessageBus
import MessageBusTesting
import Messaging
import MetricsTestKit
import Testing

/// An outgoing link that appends its name to the `links` header, records whether the bus's
/// stamping ran before it, and marks which handler, if any, sent each message.
struct Tagging: OutgoingMiddleware {
    let name: String
    let stampedBefore = Collector<Bool>()

    func publish(_ messages: [Message], to topic: String, context: OutgoingContext, next: NextPublisher)
        async throws -> [Message]
    {
        var messages = messages
        for index in messages.indices {
            stampedBefore.append(messages[index].correlationID != nil)
            messages[index].headers["links", default: ""] += name
            messages[index].headers["sent-by"] = context.handling?.handler ?? context.bus.name
        }
        return try await next(messages, topic, context)
    }
}

@Suite("Outgoing pipeline")
struct OutgoingPipelineTests {
    @Test func aMessageAHandlerPublishesThroughItsContextIsStampedAndCounted() async throws {
        let tracer = W3CTracer()
        let metrics = TestMetrics()
        let transport = InMemoryTransport()
        let bus = Bus(transport: transport, name: "billing", metricsFactory: metrics, tracer: tracer)
        try bus.consume(from: "orders", group: "billing") { _, context in
            try await context.publish(Message(id: "notice"), to: "notices")
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            let order = try await bus.publish(Message(id: "order"), to: "orders")
            let notice = try #require(try await read(1, from: "notices", on: transport).first)
            #expect(notice.correlationID == "order")
            #expect(notice.causationID == "order")
            #expect(notice.source == "/billing")
            let orderTrace = try #require(order.headers[MessageHeader.traceParent]).split(separator: "-")
            let noticeTrace = try #require(notice.headers[MessageHeader.traceParent]).split(separator: "-")
            #expect(noticeTrace[1] == orderTrace[1], "the published message left the trace")
            #expect(noticeTrace[2] != orderTrace[2], "the handler's span did not become the parent")
        }
        #expect(metrics.counterTotal(label: "messagebus_published_total", dimensions: [("topic", "notices")]) == 1)
    }

    @Test func everyMessageTheBusSendsPassesTheOutgoingLinksInOrder() async throws {
        let transport = InMemoryTransport()
        let first = Tagging(name: "a")
        let bus = Bus(
            transport: transport,
            name: "shop",
            middleware: [DeadLetterChannel(topic: "dead"), WireTap(topic: "audit")],
            outgoing: [first]
        )
        try bus.use(outgoing: Tagging(name: "b"))
        try bus.handle(from: "orders", group: "billing", options: .init(concurrency: 1)) { message, context in
            switch message.id {
            case "poison":
                throw PaymentDeclined()
            case "question":
                return [try context.reply(Message(id: "answer"))]
            default:
                try await context.publish(Message(id: "notice-\(message.id)"), to: "notices")
                return [OutgoingMessage(Message(id: "invoice-\(message.id)"), to: "invoices")]
            }
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            var question = Message(id: "question")
            question.replyTo = "replies"
            try await bus.publish([Message(id: "o1"), question, Message(id: "poison")], to: "orders")
            var sent: [Message] = []
            let topics = [("orders", 3), ("audit", 3), ("notices", 1), ("invoices", 1), ("replies", 1), ("dead", 1)]
            for (topic, count) in topics {
                let messages = try await read(count, from: topic, on: transport)
                // Wire-tap copies and dead letters send on a message that came through the links once.
                let links = ["audit", "dead"].contains(topic) ? "abab" : "ab"
                for message in messages {
                    #expect(message.headers["links"] == links, "\(message.id) on '\(topic)' skipped a link")
                }
                sent += messages
            }
            #expect(sent.count == 10)
            let senders = Dictionary(sent.map { ($0.id, $0.headers["sent-by"] ?? "") }) { first, _ in first }
            #expect(senders["o1"] == "shop")
            #expect(senders["notice-o1"] == "billing")
            #expect(senders["invoice-o1"] == "billing")
            #expect(senders["answer"] == "billing")
        }
        #expect(first.stampedBefore.all.allSatisfy { $0 }, "a link ran before the bus's stamping")
        #expect(throws: MessageBusError.self) { try bus.use(outgoing: Tagging(name: "late")) }
    }

    @Test func aRequestLeavesThroughTheRequestersBusPipeline() async throws {
        let metrics = TestMetrics()
        let transport = InMemoryTransport()
        let inventory = Bus(transport: transport, name: "inventory")
        let requests = Collector<Message>()
        try inventory.handle(from: "inventory.queries", group: "inventory") { request, context in
            requests.append(request)
            return [try context.reply(Message(id: "level"))]
        }
        let sales = Bus(
            transport: transport,
            name: "sales",
            outgoing: [Tagging(name: "signed")],
            metricsFactory: metrics,
            tracer: W3CTracer()
        )
        let requester = Requester(bus: sales, replyTopic: "sales.replies")
        try await running([transport, inventory, requester]) {
            try await inventory.waitUntilRunning()
            let reply = try await requester.request(
                Message(id: "query"),
                to: "inventory.queries",
                timeout: .seconds(20)
            )
            #expect(reply.id == "level")
        }
        let request = try #require(requests.all.first)
        #expect(request.headers["links"] == "signed")
        #expect(request.headers["sent-by"] == "sales")
        #expect(request.source == "/sales")
        #expect(request.replyTo == "sales.replies")
        #expect(request.correlationID == "query")
        #expect(request.headers[MessageHeader.traceParent] != nil)
        #expect(
            metrics.counterTotal(label: "messagebus_published_total", dimensions: [("topic", "inventory.queries")]) == 1
        )
    }

    @Test func aReplayedDeadLetterLeavesThroughTheQueuesBusPipeline() async throws {
        let metrics = TestMetrics()
        let transport = InMemoryTransport()
        var letter = Message(id: "poison", source: "/shop")
        letter.correlationID = "order-7"
        letter.headers[MessageHeader.DeadLetter.sourceTopic] = "orders"
        letter.headers[MessageHeader.DeadLetter.reason] = "retriesExhausted"
        let operations = Bus(
            transport: transport,
            name: "operations",
            outgoing: [Tagging(name: "signed")],
            metricsFactory: metrics
        )
        try await running([transport]) {
            try await transport.publish(letter, to: "orders.dead")
            let replayed = try await DeadLetterQueue(topic: "orders.dead", bus: operations).replay(limit: 1)
            #expect(replayed.map(\.message.id) == ["poison"])
            let message = try #require(try await read(1, from: "orders", on: transport).first)
            #expect(message.id == "poison")
            #expect(message.headers["links"] == "signed")
            #expect(message.headers["sent-by"] == "operations")
            #expect(message.source == "/shop")
            #expect(message.correlationID == "order-7")
            #expect(message.headers[MessageHeader.DeadLetter.reason] == nil)
        }
        #expect(metrics.counterTotal(label: "messagebus_published_total", dimensions: [("topic", "orders")]) == 1)
    }
}
