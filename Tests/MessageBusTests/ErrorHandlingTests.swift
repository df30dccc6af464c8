import Clocks
import Foundation
import InMemoryTransport
import MessageBus
import MessageBusTesting
import Messaging
import Synchronization
import Testing

/// A notifier that remembers what it was told.
final class RecordingNotifier: Notifier {
    let received = Collector<BusNotification>()

    func notify(_ notification: BusNotification) async throws {
        received.append(notification)
    }
}

@Suite("Retry, dead letters, replay and notifications")
struct ErrorHandlingTests {
    static func quickRetry(attempts: Int = 3) -> Retry {
        Retry(maximumAttempts: attempts, initialDelay: .milliseconds(1), maximumDelay: .milliseconds(5))
    }

    @Test func aHandlerThatFailsTwiceIsHandledOnceOnItsThirdAttempt() async throws {
        let transport = InMemoryTransport()
        let bus = Bus(
            transport: transport,
            middleware: [DeadLetterChannel(topic: "dead"), Self.quickRetry(attempts: 5)]
        )
        let attempts = Collector<String?>()
        let handled = Collector<String>()
        try bus.consume(from: "orders", group: "billing") { message, _ in
            attempts.append(message.headers[MessageHeader.attempt])
            if attempts.count < 3 { throw PlannedFailure() }
            handled.append(message.id)
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            try await transport.publish(Message(id: "o1"), to: "orders")
            try await eventually("the order was handled") { handled.count == 1 }
            try await transport.publish(Message(id: "sentinel"), to: "orders")
            try await eventually("the sentinel was handled") { handled.count == 2 }
            let onDeadLetterTopic = try await transport.subscribe(
                to: "dead",
                group: "check",
                options: .init(startPosition: .earliest)
            )
            try await transport.publish(Message(id: "marker"), to: "dead")
            var iterator = onDeadLetterTopic.makeAsyncIterator()
            #expect(try await iterator.next()?.message.id == "marker", "something was dead-lettered")
            await onDeadLetterTopic.close()
        }
        #expect(Array(attempts.all.prefix(3)) == ["1", "2", "3"])
        #expect(handled.all == ["o1", "sentinel"])
    }

    @Test func aHandlerThatAlwaysFailsIsDeadLetteredOnceAndReplayed() async throws {
        let transport = InMemoryTransport()
        let notifier = RecordingNotifier()
        let bus = Bus(
            transport: transport,
            middleware: [DeadLetterChannel(topic: "orders.dead", notifier: notifier), Self.quickRetry(attempts: 3)]
        )
        let failing = Mutex(true)
        let handled = Collector<String>()
        try bus.consume(from: "orders", group: "billing", name: "invoicer") { message, _ in
            if message.id == "poison", failing.withLock({ $0 }) { throw PlannedFailure() }
            handled.append(message.id)
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            var poison = Message(id: "poison", key: "k", payload: Data("x".utf8))
            poison.headers["custom"] = "kept"
            try await transport.publish([poison, Message(id: "next", key: "k")], to: "orders")
            try await eventually("the stream moved on") { handled.all == ["next"] }

            let letters = try await read(1, from: "orders.dead", on: transport)
            let letter = try #require(letters.first)
            #expect(letter.id == "poison")
            #expect(letter.payload == Data("x".utf8))
            #expect(letter.headers["custom"] == "kept")
            #expect(letter.headers[MessageHeader.DeadLetter.reason] == "retriesExhausted")
            #expect(letter.headers[MessageHeader.DeadLetter.error] == "planned failure")
            #expect(letter.headers[MessageHeader.DeadLetter.sourceTopic] == "orders")
            #expect(letter.headers[MessageHeader.DeadLetter.group] == "billing")
            #expect(letter.headers[MessageHeader.DeadLetter.handler] == "invoicer")
            #expect(letter.headers[MessageHeader.DeadLetter.attempts] == "3")
            #expect(letter.headers[MessageHeader.DeadLetter.time] != nil)

            let notifications = notifier.received.all
            #expect(notifications.count == 1)
            #expect(notifications.first?.kind == .deadLettered)
            #expect(notifications.first?.messageID == "poison")
            #expect(notifications.first?.deadLetterTopic == "orders.dead")
            #expect(notifications.first?.attempts == 3)

            let queue = DeadLetterQueue(topic: "orders.dead", bus: bus)
            let listed = try await queue.list(limit: 1)
            #expect(listed.map(\.message.id) == ["poison"])
            #expect(listed.first?.reason == "retriesExhausted")

            failing.withLock { $0 = false }
            let replayed = try await queue.replay(limit: 1)
            #expect(replayed.map(\.message.id) == ["poison"])
            try await eventually("the replayed message was handled") { handled.all == ["next", "poison"] }
            #expect(try await queue.replay(limit: 1, idleTimeout: .milliseconds(100)).isEmpty, "replayed twice")
        }
        #expect(notifier.received.count == 1)
    }

    @Test func aPayloadOfTheWrongShapeIsDeadLetteredWithTheDecodingReason() async throws {
        let transport = InMemoryTransport()
        let bus = Bus(transport: transport, middleware: [DeadLetterChannel(topic: "dead"), Self.quickRetry()])
        let handled = Collector<String>()
        let attempts = Mutex(0)
        try bus.consume(OrderPlaced.self, from: "orders", group: "inventory") { order, _ in
            handled.append(order.orderID)
        }
        try bus.consume(from: "orders", group: "counter") { _, _ in
            attempts.withLock { $0 += 1 }
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            let bad = Message(
                id: "bad",
                type: "sales.order.placed",
                payload: Data(#"{"order_id": "1", "product": "Laptop", "quantity": "one", "price": 1}"#.utf8)
            )
            let good = try Message(OrderPlaced(orderID: "2", product: "Mouse", quantity: 1, price: 5))
            try await transport.publish([bad, good], to: "orders")
            let letter = try #require(try await read(1, from: "dead", on: transport).first)
            #expect(letter.id == "bad")
            #expect(letter.headers[MessageHeader.DeadLetter.reason] == "decodingFailed")
            #expect(letter.headers[MessageHeader.DeadLetter.error]?.contains("'quantity'") == true)
            #expect(letter.headers[MessageHeader.DeadLetter.attempts] == "1", "a decoding failure was retried")
            try await eventually("the next order was handled") { handled.all == ["2"] }
        }
    }

    @Test func anErrorThatDeclaresItselfPermanentIsDeadLetteredAtOnceUnderItsOwnName() async throws {
        let transport = InMemoryTransport()
        let notifier = RecordingNotifier()
        let bus = Bus(
            transport: transport,
            middleware: [DeadLetterChannel(topic: "dead", notifier: notifier), Self.quickRetry(attempts: 5)]
        )
        let attempts = Collector<String>()
        try bus.handle(from: "orders", group: "billing") { message, _ in
            attempts.append(message.id)
            throw PaymentDeclined()
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            try await transport.publish(Message(id: "declined"), to: "orders")
            let letter = try #require(try await read(1, from: "dead", on: transport).first)
            #expect(letter.headers[MessageHeader.DeadLetter.reason] == "paymentDeclined")
            #expect(letter.headers[MessageHeader.DeadLetter.attempts] == "1")
        }
        #expect(attempts.all == ["declined"], "a permanent error was retried")
        #expect(notifier.received.all.map(\.reason) == ["paymentDeclined"])
    }

    @Test func theDefaultRuleAsksTheErrorItself() {
        #expect(!MessageBusError.isRetriable(PaymentDeclined()))
        #expect(!MessageBusError.isRetriable(CancellationError()))
        #expect(MessageBusError.isRetriable(MessagingError(.timedOut, "slow", isRetriable: true)))
        #expect(MessageBusError.isRetriable(PlannedFailure()), "an unclassified error is assumed transient")
        let wrapped = MessageBusError(.handlerFailed, "failed", underlying: PaymentDeclined())
        #expect(wrapped.codeName == "paymentDeclined")
        #expect(MessageBusError(.timedOut, "slow", underlying: PaymentDeclined()).codeName == "timedOut")
    }

    @Test func aFailedPublicationOfTheDeadLetterRejectsTheMessageInsteadOfDroppingIt() async throws {
        let harness = BusHarness(
            broker: try InMemoryBroker(configuration: .init(maximumMessageBytes: 64)),
            middleware: [DeadLetterChannel(topic: "dead")]
        )
        let seen = Collector<Int>()
        try harness.bus.consume(from: "orders", group: "g") { message, context in
            seen.append(context.delivery.attempt)
            if context.delivery.attempt < 3 { throw MessagingError(.invalidMessage, "rejected by the handler") }
        }
        try await harness.run {
            // The dead letter's headers make it too large for the broker, so dead-lettering fails.
            try await harness.transport.publish(Message(id: "m", source: "s", type: "t", time: nil), to: "orders")
            try await harness.waitUntilHandled("orders", group: "g")
        }
        #expect(seen.all == [1, 2, 3], "the message did not come back until the handler accepted it")
        #expect(harness.notifications.map(\.kind) == [.handlerFailed, .handlerFailed])
        #expect(harness.notifications.first?.reason == "messageTooLarge")
    }

    @Test func withoutADeadLetterChannelAPoisonMessageIsSetAsideAfterTheDefaultDeliveries() async throws {
        let harness = BusHarness()
        let deliveries = Collector<Int>()
        let handled = Collector<String>()
        try harness.bus.consume(from: "orders", group: "billing", options: .init(concurrency: 1)) { message, context in
            if message.id == "poison" {
                deliveries.append(context.delivery.attempt)
                throw PlannedFailure()
            }
            handled.append(message.id)
        }
        try await harness.run {
            try await harness.transport.publish(
                [Message(id: "poison", key: "k"), Message(id: "next", key: "k")],
                to: "orders"
            )
            try await harness.waitUntilHandled("orders", group: "billing")
        }
        #expect(handled.all == ["next"], "the stream did not move on")
        let letter = try #require(harness.published(to: "orders.dead").first)
        #expect(letter.id == "poison")
        #expect(letter.headers[MessageHeader.DeadLetter.reason] == "handlerFailed")
        #expect(letter.headers[MessageHeader.DeadLetter.sourceTopic] == "orders")
        #expect(letter.headers[MessageHeader.DeadLetter.attempts] == "\(Bus.HandlerOptions.defaultMaximumDeliveries)")
        #expect(deliveries.all == Array(1...Bus.HandlerOptions.defaultMaximumDeliveries))
        // Each redelivery is a failure the notifier hears of; the last one is the dead letter only.
        let failures = Array(repeating: BusNotification.Kind.handlerFailed, count: deliveries.count - 1)
        #expect(harness.notifications.map(\.kind) == failures + [.deadLettered])
        #expect(harness.notifications.last?.deadLetterTopic == "orders.dead")
        #expect(harness.notifications.last?.attempts == Bus.HandlerOptions.defaultMaximumDeliveries)
    }

    @Test func withoutALimitAFailingMessageIsDeliveredUntilItSucceeds() async throws {
        let transport = InMemoryTransport()
        let bus = Bus(transport: transport)
        let deliveries = Collector<Int>()
        try bus.consume(from: "orders", group: "billing", options: .init(maximumDeliveries: nil)) { _, context in
            deliveries.append(context.delivery.attempt)
            if context.delivery.attempt < 8 { throw PlannedFailure() }
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            try await transport.publish(Message(id: "stubborn"), to: "orders")
            try await eventually("the eighth delivery succeeded") { deliveries.count == 8 }
        }
        #expect(deliveries.all == Array(1...8))
        #expect(transport.broker.snapshot(of: "orders.dead") == nil, "a message was dead-lettered")
    }

    @Test func retryWaitsGrowExponentiallyWithBoundedJitter() {
        let plain = Retry(initialDelay: .milliseconds(100), multiplier: 2, maximumDelay: .seconds(1), jitter: 0)
        #expect((1...6).map(plain.delay(after:)) == [100, 200, 400, 800, 1000, 1000].map { .milliseconds($0) })
        let high = Retry(initialDelay: .milliseconds(100), jitter: 0.5, random: { 0.999_999 })
        let low = Retry(initialDelay: .milliseconds(100), jitter: 0.5, random: { 0 })
        #expect(high.delay(after: 1) > .milliseconds(149) && high.delay(after: 1) <= .milliseconds(150))
        #expect(low.delay(after: 1) == .milliseconds(50))
    }

    @Test func retryGivesUpWhenTheNextWaitWouldPassTheElapsedLimit() async throws {
        // The immediate clock moves its time forward by each wait instead of waiting.
        let retry = Retry(
            maximumAttempts: 100,
            initialDelay: .seconds(1),
            multiplier: 1,
            maximumElapsed: .seconds(3),
            jitter: 0,
            clock: ImmediateClock()
        )
        let transport = InMemoryTransport()
        let bus = Bus(transport: transport, middleware: [DeadLetterChannel(topic: "dead"), retry])
        let attempts = Collector<Int>()
        try bus.handle(from: "t", group: "g") { _, _ in
            attempts.append(attempts.count + 1)
            throw PlannedFailure()
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            try await transport.publish(Message(id: "m"), to: "t")
            let letter = try #require(try await read(1, from: "dead", on: transport).first)
            // Tries at 0, 1, 2 and 3 s; a fifth would start at 4 s, past the 3 s limit.
            #expect(letter.headers[MessageHeader.DeadLetter.attempts] == "4")
            #expect(letter.headers[MessageHeader.DeadLetter.reason] == "retriesExhausted")
        }
        #expect(attempts.count == 4)
    }

    @Test func aSlowHandlerTimesOutAndIsRetried() async throws {
        let transport = InMemoryTransport()
        let clock = TestClock()
        let bus = Bus(transport: transport)
        let calls = Collector<Bool>()
        try bus.consume(from: "t", group: "g", middleware: [Timeout(.seconds(5), clock: clock)]) { _, _ in
            let first = calls.count == 0
            calls.append(first)
            if first {
                try await Task.sleep(for: .seconds(3600))
            }
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            try await transport.publish(Message(id: "m"), to: "t")
            try await eventually("the first attempt started") { calls.count == 1 }
            await clock.advance(by: .seconds(5))
            try await eventually("the message was delivered again") { calls.count == 2 }
        }
    }

    @Test func throttleSpacesMessageStarts() async throws {
        let transport = InMemoryTransport()
        let clock = TestClock()
        let bus = Bus(transport: transport)
        let started = Collector<String>()
        try bus.consume(from: "t", group: "g", middleware: [Throttle(messages: 1, per: .seconds(1), clock: clock)]) {
            message,
            _ in
            started.append(message.id)
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            try await transport.publish((0..<3).map { Message(id: "m\($0)", key: "same") }, to: "t")
            try await eventually("the first message started at once") { started.count == 1 }
            await clock.advance(by: .milliseconds(999))
            try await transport.publish(Message(id: "other", key: "another-key"), to: "t")
            await clock.advance(by: .milliseconds(1))
            try await eventually("the second message started after a second") { started.count == 2 }
            await clock.advance(by: .seconds(2))
            try await eventually("the rest started") { started.count == 4 }
        }
    }

    @Test func filterAndWireTap() async throws {
        let transport = InMemoryTransport()
        let bus = Bus(transport: transport)
        let handled = Collector<String>()
        try bus.consume(
            from: "orders",
            group: "g",
            middleware: [WireTap(topic: "audit"), MessageFilter { $0.type == "wanted" }]
        ) { message, _ in
            handled.append(message.id)
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            try await transport.publish(
                [Message(id: "a", type: "wanted"), Message(id: "b", type: "other"), Message(id: "c", type: "wanted")],
                to: "orders"
            )
            let tapped = try await read(3, from: "audit", on: transport)
            #expect(Set(tapped.map(\.id)) == ["a", "b", "c"])
            try await eventually("the wanted ones were handled") { Set(handled.all) == ["a", "c"] }
        }
        #expect(handled.count == 2)
    }
}
