import Foundation
import InMemoryTransport
import Logging
import MessageBus
import MessageBusTesting
import Messaging
import ServiceLifecycle
import Synchronization
import Testing

@Suite("Bus on the in-memory transport")
struct BusTests {
    @Test func salesReachesInventoryAndBillingExactlyOnce() async throws {
        let broker = InMemoryBroker()
        let sales = Bus(transport: InMemoryTransport(broker: broker), name: "sales")
        let inventoryTransport = InMemoryTransport(broker: broker)
        let billingTransport = InMemoryTransport(broker: broker)
        let inventory = Bus(transport: inventoryTransport, name: "inventory")
        let billing = Bus(transport: billingTransport, name: "billing")
        let stock = Collector<String>()
        let invoices = Collector<Double>()
        try inventory.consume(OrderPlaced.self, from: "MessageBus", group: "inventory") { order, _ in
            stock.append(order.orderID)
        }
        try billing.consume(OrderPlaced.self, from: "MessageBus", group: "billing") { order, _ in
            invoices.append(Double(order.quantity) * order.price)
        }
        let order = OrderPlaced(orderID: "123458", product: "Laptop", quantity: 1, price: 1200.0)
        try await running([inventoryTransport, billingTransport, sales, inventory, billing]) {
            try await inventory.waitUntilRunning()
            try await billing.waitUntilRunning()
            let sent = try await sales.publish(order, to: "MessageBus")
            #expect(sent.type == "sales.order.placed")
            #expect(sent.key == "123458")
            #expect(sent.headers[MessageHeader.messageKind] == "event")
            #expect(sent.source == "/sales")
            try await eventually("inventory and billing handled the order") {
                stock.count == 1 && invoices.count == 1
            }
            let sentinel = OrderPlaced(orderID: "sentinel", product: "-", quantity: 1, price: 0)
            try await sales.publish(sentinel, to: "MessageBus")
            try await eventually("both handled the sentinel") { stock.count == 2 && invoices.count == 2 }
        }
        #expect(stock.all == ["123458", "sentinel"])
        #expect(invoices.all == [1200.0, 0])
    }

    @Test func threeInstancesShareTenThousandMessages() async throws {
        let broker = InMemoryBroker()
        let publisher = InMemoryTransport(broker: broker)
        let handled = Mutex<[String: Int]>([:])
        let instances = (0..<3).map { _ in InMemoryTransport(broker: broker) }
        let buses = try instances.map { transport in
            let bus = Bus(transport: transport, name: "worker")
            try bus.consume(from: "jobs", group: "workers") { message, _ in
                handled.withLock { $0[message.id, default: 0] += 1 }
            }
            return bus
        }
        try await running(instances + buses) {
            for bus in buses {
                try await bus.waitUntilRunning()
            }
            for batch in 0..<100 {
                let messages = (0..<100).map { index in
                    Message(id: "m\(batch * 100 + index)", key: "k\(index % 17)", payload: Data("\(index)".utf8))
                }
                try await publisher.publish(messages, to: "jobs")
            }
            try await eventually("all 10 000 messages were handled") { handled.withLock { $0.count } == 10_000 }
        }
        let counts = handled.withLock { $0 }
        #expect(counts.count == 10_000)
        #expect(counts.values.allSatisfy { $0 == 1 }, "some messages were handled more than once")
    }

    @Test func correlationAndCausationFlowIntoProducedMessages() async throws {
        let transport = InMemoryTransport()
        let bus = Bus(transport: transport)
        try bus.handle(OrderPlaced.self, from: "orders", group: "inventory") { order, _ in
            [try OutgoingMessage(Message(encoding: ["reserved": order.orderID], type: "stock.reserved"), to: "stock")]
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            var incoming = try Message(OrderPlaced(orderID: "1", product: "Laptop", quantity: 1, price: 1))
            incoming.correlationID = "conversation-7"
            incoming.headers[MessageHeader.traceParent] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
            try await transport.publish(incoming, to: "orders")
            let produced = try #require(try await read(1, from: "stock", on: transport).first)
            #expect(produced.correlationID == "conversation-7")
            #expect(produced.causationID == incoming.id)
            #expect(produced.headers[MessageHeader.traceParent] == incoming.headers[MessageHeader.traceParent])
        }
    }

    @Test func publishingStartsAConversation() async throws {
        let transport = InMemoryTransport()
        let bus = Bus(transport: transport)
        try await running([transport, bus]) {
            let sent = try await bus.publish(Message(id: "first"), to: "orders")
            #expect(sent.correlationID == "first")
            let stored = try #require(try await read(1, from: "orders", on: transport).first)
            #expect(stored.correlationID == "first")
        }
    }

    @Test func handlersOfOneKeyRunInOrderWhileOtherPartitionsRunConcurrently() async throws {
        let transport = InMemoryTransport()
        let bus = Bus(transport: transport)
        let seen = Mutex<[String: [Int]]>([:])
        let concurrent = Mutex((now: 0, most: 0))
        try bus.consume(from: "events", group: "g", options: .init(concurrency: 4)) { message, _ in
            concurrent.withLock {
                $0.now += 1; $0.most = max($0.most, $0.now)
            }
            defer { concurrent.withLock { $0.now -= 1 } }
            try await Task.sleep(for: .milliseconds(1))
            let number = Int(String(decoding: message.payload, as: UTF8.self))!
            seen.withLock { $0[message.key!, default: []].append(number) }
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            let messages = (0..<400).map { index in
                Message(key: "key-\(index % 8)", payload: Data("\(index)".utf8))
            }
            try await transport.publish(messages, to: "events")
            try await eventually("all 400 handled") { seen.withLock { $0.values.map(\.count).reduce(0, +) } == 400 }
        }
        for (key, numbers) in seen.withLock({ $0 }) {
            #expect(numbers == numbers.sorted(), "messages of \(key) were handled out of order")
        }
        #expect(concurrent.withLock { $0.most } > 1, "no two partitions were ever handled at once")
    }

    @Test func oneLaneHandlesEveryMessageInOrderOneAtATime() async throws {
        let transport = InMemoryTransport()
        let bus = Bus(transport: transport)
        let seen = Collector<Int>()
        let concurrent = Mutex((now: 0, most: 0))
        try bus.consume(from: "events", group: "g", options: .init(concurrency: 1)) { message, _ in
            concurrent.withLock {
                $0.now += 1; $0.most = max($0.most, $0.now)
            }
            defer { concurrent.withLock { $0.now -= 1 } }
            await Task.yield()
            seen.append(Int(String(decoding: message.payload, as: UTF8.self))!)
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            // More than a member's prefetch, so the lane is refilled while it handles.
            let messages = (0..<1000).map { Message(key: "only", payload: Data("\($0)".utf8)) }
            try await transport.publish(messages, to: "events")
            try await eventually("all 1000 handled") { seen.count == 1000 }
        }
        #expect(seen.all == Array(0..<1000), "messages were handled out of order or more than once")
        #expect(concurrent.withLock { $0.most } == 1, "two messages were handled at once")
    }

    @Test(arguments: [1, 2])
    func gracefulShutdownFinishesRunningHandlersAndLosesNothing(concurrency: Int) async throws {
        let broker = InMemoryBroker()
        let transport = InMemoryTransport(broker: broker)
        let started = Collector<String>()
        let finished = Collector<String>()
        let bus = Bus(transport: transport)
        try bus.consume(from: "work", group: "workers", options: .init(concurrency: concurrency)) { message, _ in
            started.append(message.id)
            // Still running well after the shutdown began, when a bus that did not wait would
            // have left its group.
            try await eventually("the shutdown began") { Task.isShuttingDownGracefully }
            try await Task.sleep(for: .milliseconds(100))
            finished.append(message.id)
        }
        let total = 50
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [bus], logger: Logger(label: "test"))
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await bus.waitUntilRunning()
            try await transport.publish((0..<total).map { Message(id: "m\($0)", key: "k\($0 % 4)") }, to: "work")
            try await eventually("\(concurrency) handlers are running") { started.count == concurrency }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(started.all.sorted() == finished.all.sorted(), "a handler was cut off")
        // Everything not handled before the shutdown is still there for the next instance.
        let successor = InMemoryTransport(broker: broker)
        let rest = try await read(total - finished.count, from: "work", on: successor, group: "workers")
        #expect(Set(rest.map(\.id)).isDisjoint(with: finished.all), "an acknowledged message came back")
        #expect(Set(rest.map(\.id)).union(finished.all).count == total, "a message was lost")
        #expect(broker.snapshot(of: "work")?.lag(of: "workers") == 0, "a handled message was not acknowledged")
        await successor.shutdown()
    }

    @Test func aHandlerThatStopsWaitingAtGracefulShutdownLeavesItsMessageForLaterWithoutAFailure() async throws {
        let broker = InMemoryBroker()
        let transport = InMemoryTransport(broker: broker)
        let notifier = RecordingNotifier()
        let started = Collector<String>()
        let bus = Bus(transport: transport, notifier: notifier)
        try bus.consume(from: "work", group: "workers", options: .init(concurrency: 1, maximumDeliveries: 1)) {
            message,
            _ in
            started.append(message.id)
            // A wait for a retry, as a webhook dispatcher's, that graceful shutdown cuts short.
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(600)) }
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [bus], logger: Logger(label: "test"))
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await bus.waitUntilRunning()
            try await transport.publish([Message(id: "waiting")], to: "work")
            try await eventually("the handler is waiting") { started.count == 1 }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        // A failure on its one allowed delivery would have been dead-lettered, with a notification.
        #expect(notifier.received.all.isEmpty, "a shutdown was reported as a failure")
        let successor = InMemoryTransport(broker: broker)
        let again = try await read(1, from: "work", on: successor, group: "workers")
        #expect(again.map(\.id) == ["waiting"])
        await successor.shutdown()
    }

    @Test func invalidRegistrationsAreRejectedWithTheirReason() async throws {
        let bus = Bus(transport: InMemoryTransport())
        #expect {
            try bus.handle(from: "bad topic!", group: "g") { _, _ in [] }
        } throws: { error in
            (error as? MessageBusError)?.code == .invalidConfiguration
                && "\(error)".contains("bad topic!")
        }
        try bus.handle(from: "t", group: "g") { _, _ in [] }
        #expect {
            try bus.handle(from: "other", group: "g") { _, _ in [] }
        } throws: { error in
            (error as? MessageBusError)?.code == .invalidConfiguration && "\(error)".contains("already registered")
        }
    }
}
