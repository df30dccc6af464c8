import ExampleSupport
import ExampleTesting
import Foundation
import GRDB
import KafkaTransport
import Testing

@testable import MessageBusExample

@Suite("Course case 000 on Kafka: billing killed and started again")
struct BillingKillTests {
    /// Orders sales sends.
    static let orders = 300
    /// Invoices billing writes before it is killed.
    static let invoicesBeforeKill = 61

    @Test("Billing killed with SIGKILL while orders stream in, and started again, invoices every order exactly once")
    func billingKilledAndRestarted() async throws {
        let executable = try ExampleExecutable.built("MessageBusExample")
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("MessageBus", partitions: 3)
        let observer = try KafkaTransport(configuration: cluster.clientConfiguration, logger: quietLogger)
        let data = try DataDirectory(nil)
        let sales = try buildApplication(
            testConfiguration(.sales, kafka: cluster.clientConfiguration),
            logger: quietLogger
        )
        try await running([sales]) {
            let salesPort = try await sales.salesPort()

            // The first billing process: killed once it has written its first invoices, with
            // orders of the first half still to invoice, while sales sends the second half.
            let first = try await startBilling(executable, cluster: cluster, data: data)
            let half = Self.orders / 2
            #expect(try await sendOrders(0..<half, to: salesPort) == half)
            try await untilInvoiced(atLeast: Self.invoicesBeforeKill, by: first)
            async let secondHalf = sendOrders(half..<Self.orders, to: salesPort)
            await first.process.kill()
            #expect(first.process.wasKilled)
            #expect(try await secondHalf == Self.orders - half)

            // What the killed process left in its database: each invoice with the record that
            // its message was processed, both or neither.
            let left = try billingDatabase(in: data)
            #expect(left.invoices >= Self.invoicesBeforeKill)
            #expect(left.invoices < Self.orders, "billing was killed after all the orders were invoiced")
            #expect(left.processedMessages == left.invoices)

            // Started again on the same --data-dir: it invoices the rest, and skips the orders
            // the killed process invoiced but had not yet committed as consumed.
            let second = try await startBilling(executable, cluster: cluster, data: data)
            try await untilConsumed(by: observer)
            let metrics = try await call(.GET, second.port, "/metrics").body
            let handled = try #require(sample(metrics, "messagebus_handled_total", group: "billing"))
            let duplicates = sample(metrics, "messagebus_duplicates_total", group: "billing") ?? 0
            #expect(Int(handled - duplicates) == Self.orders - left.invoices, "\(second.process.log)")
            #expect(sample(metrics, "messagebus_failed_total", group: "billing") ?? 0 == 0)

            let kept = try billingDatabase(in: data)
            #expect(kept.invoices == Self.orders)
            #expect(kept.processedMessages == Self.orders)
            for number in 0..<Self.orders {
                let invoice = try await call(.GET, second.port, "/invoices/\(Self.orderID(number))")
                #expect(invoice.status == 200, "\(invoice.body)")
            }
            await second.process.kill()
        }
        await observer.shutdown()
    }

    /// A billing process of the built executable, and the port of its query server.
    struct Billing {
        let process: ExampleChild
        let port: Int
    }

    /// Starts billing as its own process on `data`, and returns once it answers HTTP.
    private func startBilling(
        _ executable: ExampleExecutable,
        cluster: KafkaMockCluster,
        data: DataDirectory
    ) async throws -> Billing {
        let port = try freeLoopbackPort()
        let process = try executable.launch([
            "--kafka", cluster.bootstrapServers, "--role", "billing", "--data-dir", data.path,
            "--query-port", "\(port)", "--log-level", "warning",
        ])
        let billing = Billing(process: process, port: port)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(30))
        while (try? await call(.GET, port, "/health"))?.status != 200 {
            guard clock.now < deadline else {
                throw BillingStalled("billing did not answer on port \(port) within 30 s: \(process.log)")
            }
            try await clock.sleep(for: .milliseconds(50))
        }
        return billing
    }

    /// Sends the orders `numbers` to sales, one after the other; returns how many it accepted.
    private func sendOrders(_ numbers: Range<Int>, to port: Int) async throws -> Int {
        var accepted = 0
        for number in numbers {
            let order =
                #"{"order_id": "\#(Self.orderID(number))", "product": "Laptop", "quantity": 1, "price": 1200.0}"#
            if try await call(.POST, port, "/produce", body: order).status == 200 {
                accepted += 1
            }
        }
        return accepted
    }

    /// Returns once `billing` has handled `count` orders, by its metrics.
    private func untilInvoiced(atLeast count: Int, by billing: Billing) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(60))
        var handled = 0.0
        while handled < Double(count) {
            guard clock.now < deadline else {
                throw BillingStalled("billing handled \(handled) orders in 60 s: \(billing.process.log)")
            }
            try await clock.sleep(for: .milliseconds(20))
            let metrics = try await call(.GET, billing.port, "/metrics").body
            handled = sample(metrics, "messagebus_handled_total", group: "billing") ?? 0
        }
    }

    /// Returns once the group `billing` has committed every order as consumed.
    private func untilConsumed(by observer: KafkaTransport) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(60))
        var lag: [Int: Int] = [:]
        while clock.now < deadline {
            lag = try await observer.consumerLagByPartition(of: "billing", on: "MessageBus")
            if !lag.isEmpty, lag.values.allSatisfy({ $0 == 0 }) { return }
            try await clock.sleep(for: .milliseconds(100))
        }
        throw BillingStalled("billing did not consume every order within 60 s; lag by partition: \(lag)")
    }

    /// What billing's database holds: its invoices, and the messages its bus recorded as
    /// processed.
    private func billingDatabase(in data: DataDirectory) throws -> (invoices: Int, processedMessages: Int) {
        let database = try DatabaseQueue(path: data.databasePath(for: "billing"))
        return try database.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM invoices") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM processed_messages") ?? 0
            )
        }
    }

    private static func orderID(_ number: Int) -> String {
        "K-\(number)"
    }

    /// Billing did not get as far as the test waited for, in time.
    struct BillingStalled: Error, CustomStringConvertible {
        let description: String

        init(_ description: String) {
            self.description = description
        }
    }
}
