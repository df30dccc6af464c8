import Clocks
import Foundation
import InMemoryTransport
import MessageBus
import MessageBusTesting
import Messaging
import Testing

@Suite("Idempotent receiver")
struct IdempotencyTests {
    /// Runs a bus whose handler records ids, sends `messages`, and waits until all are handled.
    static func handle(_ messages: [Message], store: any IdempotencyStore) async throws -> [String] {
        let harness = BusHarness(middleware: [IdempotentReceiver(store: store)])
        let handled = Collector<String>()
        try harness.bus.consume(from: "orders", group: "billing") { message, _ in
            handled.append(message.id)
        }
        try await harness.run {
            try await harness.transport.publish(messages, to: "orders")
            try await harness.waitUntilHandled("orders", group: "billing")
        }
        return handled.all
    }

    @Test func theSameMessageDeliveredTwiceIsProcessedOnce() async throws {
        let store = InMemoryIdempotencyStore()
        let order = Message(id: "order-1", key: "k")
        let handled = try await Self.handle([order, order], store: store)
        #expect(handled == ["order-1"])
    }

    /// Publishes message `m` to a bus with `middleware` whose handler, of group `g`, throws on the
    /// message's first attempt if `failingFirst`; returns once the second attempt was handled.
    static func handleUntilDeliveredAgain(middleware: [any MessageMiddleware], failingFirst: Bool) async throws {
        let harness = BusHarness(middleware: middleware)
        let attempts = Collector<Int>()
        try harness.bus.consume(from: "orders", group: "g") { _, context in
            attempts.append(context.delivery.attempt)
            if failingFirst, context.delivery.attempt == 1 { throw PlannedFailure() }
        }
        try await harness.run {
            try await harness.transport.publish(Message(id: "m"), to: "orders")
            try await harness.waitUntilHandled("orders", group: "g")
        }
        #expect(attempts.all == [1, 2])
    }

    @Test func aFailedHandlingIsNotRecordedAsProcessed() async throws {
        let store = InMemoryIdempotencyStore()
        try await Self.handleUntilDeliveredAgain(middleware: [IdempotentReceiver(store: store)], failingFirst: true)
        #expect(try await store.contains("g/g/m"))
    }

    @Test(arguments: ["billing", "facturación"])
    func theDefaultKeyIsTheGroupTheHandlerAndTheIDJoined(group: String) async throws {
        let transport = InMemoryTransport()
        let store = InMemoryIdempotencyStore()
        let bus = Bus(transport: transport, middleware: [IdempotentReceiver(store: store)])
        let handled = Collector<String>()
        try bus.consume(from: "orders", group: group, name: "cobro") { message, _ in
            handled.append(message.id)
        }
        // ASCII ids, a long one, and ids whose characters can be composed in two ways.
        let ids = [
            "order-1", "7", String(repeating: "x", count: 300), "pedido-\u{F1}", "pedido-n\u{303}-2", "\u{301}e",
        ]
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            try await transport.publish(ids.map { Message(id: $0, key: "k") }, to: "orders")
            try await eventually("every message was handled") { handled.count == ids.count }
        }
        for id in ids {
            #expect(try await store.contains("\(group)/cobro/\(id)"), "\(id.debugDescription) was not recorded")
        }
        #expect(try await store.contains("\(group)/cobro/pedido-n\u{303}"), "keys are not compared as strings")
        #expect(try await !store.contains("\(group)/cobro/order-2"))
        #expect(try await !store.contains("cobro/\(group)/order-1"))
        #expect(store.count == ids.count)
    }

    @Test func aCustomKeyRecognisesCopiesWithNewIDs() async throws {
        let transport = InMemoryTransport()
        let store = InMemoryIdempotencyStore()
        let receiver = IdempotentReceiver(store: store) { message, context in
            "\(context.group)/order/\(message.key ?? message.id)"
        }
        let bus = Bus(transport: transport, middleware: [receiver])
        let handled = Collector<String>()
        try bus.consume(from: "orders", group: "billing") { message, _ in
            handled.append(message.id)
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            try await transport.publish(
                [Message(id: "a", key: "order-7"), Message(id: "b", key: "order-7")],
                to: "orders"
            )
            try await transport.publish(Message(id: "c", key: "order-8"), to: "orders")
            try await eventually("order-8 was handled") { handled.all.contains("c") }
        }
        #expect(handled.all == ["a", "c"])
        #expect(try await store.contains("billing/order/order-7"))
    }

    /// Registers, on a message's first delivery, a success action that fails.
    struct FailingSuccessAction: MessageMiddleware {
        func handle(_ message: Message, context: HandlerContext, next: NextHandler) async throws -> [OutgoingMessage] {
            let outgoing = try await next(message, context)
            if context.delivery.attempt == 1 {
                context.onSuccess { throw PlannedFailure() }
            }
            return outgoing
        }
    }

    @Test func aKeyIsRecordedOnlyOnceEverySuccessActionSucceeded() async throws {
        let store = InMemoryIdempotencyStore()
        // The failing action is registered outside the receiver, after the receiver's record.
        try await Self.handleUntilDeliveredAgain(
            middleware: [FailingSuccessAction(), IdempotentReceiver(store: store)],
            failingFirst: false
        )
        #expect(try await store.contains("g/g/m"))
    }

    @Test(arguments: IdempotencyStoreScenario.allCases)
    func theInMemoryStoreKeepsTheStoreContract(_ scenario: IdempotencyStoreScenario) async throws {
        let suite = IdempotencyStoreConformanceSuite {
            let clock = TestClock()
            return .init(InMemoryIdempotencyStore(clock: clock)) { await clock.advance(by: $0) }
        }
        try await suite.run(scenario)
    }

    @Test func inMemoryKeysExpireAfterTheirRetention() async throws {
        let clock = TestClock()
        let store = InMemoryIdempotencyStore(clock: clock)
        try await store.insert("a", retention: .seconds(10))
        #expect(try await store.contains("a"))
        await clock.advance(by: .seconds(10))
        #expect(try await !store.contains("a"))
        try await store.insert("b", retention: .seconds(10))
        #expect(store.count == 1, "the expired key was not removed")
    }

    @Test func inMemoryKeysOfDifferentRetentionsExpireInTheirOwnOrder() async throws {
        let clock = TestClock()
        let store = InMemoryIdempotencyStore(clock: clock)
        try await store.insert("long", retention: .seconds(100))
        try await store.insert("short", retention: .seconds(5))
        try await store.insert("middle", retention: .seconds(50))
        await clock.advance(by: .seconds(10))
        try await store.insert("late", retention: .seconds(1000))
        #expect(try await !store.contains("short"))
        #expect(try await store.contains("middle"))
        #expect(try await store.contains("long"))
        #expect(store.count == 3, "the first key to expire was not the one removed")
        await clock.advance(by: .seconds(50))
        try await store.insert("later", retention: .seconds(1000))
        #expect(try await !store.contains("middle"))
        #expect(try await store.contains("long"))
        #expect(store.count == 3)
    }

    @Test func aKeyInsertedAgainKeepsItsLaterRetention() async throws {
        let clock = TestClock()
        let store = InMemoryIdempotencyStore(clock: clock)
        try await store.insert("a", retention: .seconds(10))
        try await store.insert("a", retention: .seconds(100))
        await clock.advance(by: .seconds(20))
        try await store.insert("b", retention: .seconds(10))
        #expect(try await store.contains("a"), "the earlier retention removed the key")
        #expect(store.count == 2)
    }

    @Test func aFullInMemoryStoreDropsTheKeysThatExpireFirst() async throws {
        let store = InMemoryIdempotencyStore(capacity: 2, clock: TestClock())
        try await store.insert("a", retention: .seconds(100))
        try await store.insert("b", retention: .seconds(10))
        try await store.insert("c", retention: .seconds(50))
        #expect(try await !store.contains("b"))
        #expect(try await store.contains("a"))
        #expect(try await store.contains("c"))
        #expect(store.count == 2)
    }

    @Test func aNearlyFullInMemoryStoreKeepsExactlyItsLatestKeysThroughChurn() async throws {
        // 95 keys in a table of 128 slots: each new key drops the oldest, so removals keep
        // reshaping long probe sequences.
        let store = InMemoryIdempotencyStore(capacity: 95, clock: TestClock())
        let count = 3_000
        for index in 0..<count {
            try await store.insert("key-\(index)", retention: .seconds(100 + index))
            if index % 101 == 0 {
                for earlier in max(0, index - 200)...index {
                    let kept = earlier > index - 95
                    #expect(try await store.contains("key-\(earlier)") == kept, "key-\(earlier) after key-\(index)")
                }
            }
        }
        for index in 0..<count {
            #expect(try await store.contains("key-\(index)") == (index >= count - 95), "key-\(index)")
        }
        #expect(store.count == 95)
    }

    @Test func inMemoryKeysAreTheKeysStringsEqual() async throws {
        let store = InMemoryIdempotencyStore()
        let kept = (0..<10_000).map { "billing/charge/order-\($0)" }
        for key in kept {
            try await store.insert(key, retention: .seconds(60))
        }
        for key in kept {
            #expect(try await store.contains(key))
        }
        for index in 0..<10_000 {
            let other = "billing/charge/order-\(index)-"
            #expect(try await !store.contains(other), "\(other) was taken for a processed key")
        }
        // A key is the same key however its characters are composed, as with `String`'s `==`.
        try await store.insert("caf\u{E9}", retention: .seconds(60))
        #expect(try await store.contains("cafe\u{301}"))
    }
}
