import Foundation
import KafkaTransport
import MessageBus
import MessageBusTesting
import Messaging
import MetricsTestKit
import Synchronization
import Testing

@Suite("Bus on a Kafka mock cluster")
struct KafkaBusTests {
    @Test func salesReachesInventoryAndBillingExactlyOnce() async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        let configuration = cluster.clientConfiguration
        let transports = try (0..<3).map { _ in try KafkaTransport(configuration: configuration) }
        let sales = Bus(transport: transports[0], name: "sales")
        let inventory = Bus(transport: transports[1], name: "inventory")
        let billing = Bus(transport: transports[2], name: "billing")
        let stock = Collector<String>()
        let invoices = Collector<String>()
        try inventory.consume(OrderPlaced.self, from: "MessageBus", group: "inventory") { order, _ in
            stock.append(order.orderID)
        }
        try billing.consume(OrderPlaced.self, from: "MessageBus", group: "billing") { order, _ in
            invoices.append(order.orderID)
        }
        try await running(transports + [sales, inventory, billing]) {
            // Sent before the consumers first start: new groups read from the earliest message.
            try await sales.publish(
                OrderPlaced(orderID: "123458", product: "Laptop", quantity: 1, price: 1200),
                to: "MessageBus"
            )
            try await inventory.waitUntilRunning()
            try await billing.waitUntilRunning()
            try await sales.publish(
                OrderPlaced(orderID: "sentinel", product: "-", quantity: 1, price: 0),
                to: "MessageBus"
            )
            try await eventually("both applications handled both orders", timeout: .seconds(60)) {
                stock.count >= 2 && invoices.count >= 2
            }
        }
        // Different keys, so no order between them; each application handled each order once.
        #expect(stock.all.sorted() == ["123458", "sentinel"])
        #expect(invoices.all.sorted() == ["123458", "sentinel"])
        withExtendedLifetime(cluster) {}
    }

    @Test func threeInstancesShareTenThousandMessages() async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        let configuration = cluster.clientConfiguration
        try cluster.createTopic("jobs", partitions: 6)
        let publisher = try KafkaTransport(configuration: configuration)
        let instances = try (0..<3).map { _ in try KafkaTransport(configuration: configuration) }
        let handled = Mutex<[String: Int]>([:])
        let buses = try instances.map { transport in
            let bus = Bus(transport: transport, name: "worker")
            try bus.consume(from: "jobs", group: "workers") { message, _ in
                handled.withLock { $0[message.id, default: 0] += 1 }
            }
            return bus
        }
        try await running([publisher] + instances + buses) {
            for bus in buses {
                try await bus.waitUntilRunning()
            }
            for batch in 0..<20 {
                let messages = (0..<500).map { index in
                    Message(
                        id: "m\(batch * 500 + index)",
                        key: "k\(index % 31)",
                        payload: Data(repeating: 7, count: 100)
                    )
                }
                try await publisher.publish(messages, to: "jobs")
            }
            try await eventually("all 10 000 messages were handled", timeout: .seconds(90)) {
                handled.withLock { $0.count } == 10_000
            }
        }
        let counts = handled.withLock { $0 }
        #expect(counts.count == 10_000)
        #expect(counts.values.allSatisfy { $0 == 1 }, "some messages were handled more than once")
        withExtendedLifetime(cluster) {}
    }

    /// Positions are committed after acknowledgements, so the gauge comes from the readings the
    /// bus takes every second while the handler waits.
    @Test func consumerLagGaugeReadsWhatIsLeftOnKafka() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("lagging", partitions: 4, replicationFactor: 1)
        let transport = try KafkaTransport(configuration: cluster.clientConfiguration)
        let metrics = TestMetrics()
        let bus = Bus(transport: transport, metricsFactory: metrics)
        let handled = Collector<String>()
        let released = Mutex(false)
        try bus.consume(from: "lagging", group: "reports", options: .init(concurrency: 1)) { message, _ in
            // The 41st message holds the only lane until the test is done.
            if handled.count == 40 {
                while !released.withLock({ $0 }) {
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            handled.append(message.id)
        }
        try await transport.publish((0..<100).map { Message(id: "m\($0)", key: "k\($0 % 8)") }, to: "lagging")
        try await running([transport, bus]) {
            try await eventually("the lag gauge read 60", timeout: .seconds(60)) {
                let gauge = try? metrics.expectGauge(
                    "messagebus_consumer_lag",
                    [("handler", "reports"), ("topic", "lagging"), ("group", "reports")]
                )
                return gauge?.lastValue == 60
            }
            #expect(handled.count == 40)
            released.withLock { $0 = true }
        }
        withExtendedLifetime(cluster) {}
    }

    @Test func aPoisonMessageIsDeadLetteredAndReplayed() async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        let configuration = cluster.clientConfiguration
        let transport = try KafkaTransport(configuration: configuration)
        let notifier = RecordingNotifier()
        let bus = Bus(
            transport: transport,
            middleware: [
                DeadLetterChannel(topic: "orders.dead", notifier: notifier),
                Retry(maximumAttempts: 3, initialDelay: .milliseconds(1)),
            ]
        )
        let failing = Mutex(true)
        let handled = Collector<String>()
        try bus.consume(from: "orders", group: "billing") { message, _ in
            if message.id == "poison", failing.withLock({ $0 }) { throw PlannedFailure() }
            handled.append(message.id)
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            try await transport.publish([Message(id: "poison", key: "k"), Message(id: "next", key: "k")], to: "orders")
            try await eventually("the stream moved on", timeout: .seconds(60)) { handled.all.contains("next") }
            let letter = try #require(
                try await read(1, from: "orders.dead", on: transport, timeout: .seconds(60)).first
            )
            #expect(letter.id == "poison")
            #expect(letter.headers[MessageHeader.DeadLetter.reason] == "retriesExhausted")
            #expect(letter.headers[MessageHeader.DeadLetter.sourceTopic] == "orders")
            #expect(letter.headers[MessageHeader.DeadLetter.attempts] == "3")
            #expect(notifier.received.count == 1)

            failing.withLock { $0 = false }
            let replayed = try await DeadLetterQueue(topic: "orders.dead", bus: bus).replay(limit: 1)
            #expect(replayed.map(\.message.id) == ["poison"])
            try await eventually("the replayed message was handled", timeout: .seconds(60)) {
                handled.all.contains("poison")
            }
        }
        #expect(handled.all.filter { $0 == "poison" }.count == 1)
        withExtendedLifetime(cluster) {}
    }
}
