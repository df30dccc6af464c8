import Crypto
import Foundation
import InMemoryTransport
import MessageBus
import MessageSecurity
import Messaging
import Metrics

/// What course case 000's bus costs end to end with `--secure`: sales seals each order with
/// AES-256-GCM on its outgoing pipeline, inventory opens, authorizes and records it against
/// replays before its handler runs; beside the same two buses without security.
enum SecureBusScenario {
    /// Publishes `count` orders through a sales bus and handles them with an inventory bus on
    /// the in-memory transport, concurrency 1; messages per second from the first publish to
    /// the last handling.
    static func rate(count: Int, secure: Bool) async throws -> Double {
        let transport = InMemoryTransport()
        let keys = try KeyRing(
            [try SecurityKey(id: "orders-1", secret: SymmetricKey(size: .bits256))],
            activeKeyID: "orders-1"
        )
        let policy = SecurityPolicy([.init(topic: "orders", algorithm: .aes256GCM)])
        let sales = Bus(
            transport: transport,
            name: "sales",
            outgoing: secure ? [try SecureSender(keys: keys, policy: policy)] : [],
            metricsFactory: NOOPMetricsHandler.instance
        )
        let receiving: [any MessageMiddleware] =
            secure
            ? [
                SecureReceiver(
                    keys: keys,
                    policy: policy,
                    authorization: PublisherAuthorization([.allow("/sales", toPublish: ["bench.order"], on: ["orders"])]
                    ),
                    replays: InMemoryIdempotencyStore(capacity: count)
                )
            ] : []
        let inventory = Bus(
            transport: transport,
            name: "inventory",
            middleware: receiving,
            metricsFactory: NOOPMetricsHandler.instance
        )
        let done = Countdown(count)
        try inventory.consume(from: "orders", group: "inventory", options: Bus.HandlerOptions(concurrency: 1)) {
            message,
            _ in
            _ = message.payload.count
            done.decrement()
        }
        let order = Data(#"{"order_id": "123458", "product": "Laptop", "quantity": 1, "price": 1200.0}"#.utf8)
        return try await handlingRate(of: inventory, on: transport, count: count, done: done) {
            var index = 0
            while index < count {
                let end = min(index + 1000, count)
                let batch = (index..<end).map { _ in
                    Message(type: "bench.order", dataContentType: "application/json", payload: order)
                }
                try await sales.publish(batch, to: "orders")
                index = end
            }
        }
    }

    static let cost = Scenario.busCost(name: "secure-bus-e2e", limit: 2) { scale, secure in
        try await rate(count: scale.busMessages, secure: secure)
    }
}
