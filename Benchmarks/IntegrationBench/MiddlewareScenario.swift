import Foundation
import InMemoryTransport
import MessageBus
import Messaging
import Metrics
import Prometheus

/// What the full middleware stack costs over a bare handler, on the in-memory transport.
enum MiddlewareScenario {
    /// Handles `count` retained messages with one bus, concurrency 1; messages per second.
    static func rate(count: Int, fullStack: Bool) async throws -> Double {
        let transport = InMemoryTransport()
        let payload = Data(repeating: UInt8(ascii: "x"), count: Scale.payloadBytes)
        var index = 0
        while index < count {
            let end = min(index + 1000, count)
            try await transport.publish((index..<end).map { _ in Message(payload: payload) }, to: "orders")
            index = end
        }
        let bus: Bus
        if fullStack {
            bus = Bus(
                transport: transport,
                name: "bench",
                middleware: [
                    DeadLetterChannel(topic: "orders.dead"),
                    Retry(maximumAttempts: 3),
                    IdempotentReceiver(store: InMemoryIdempotencyStore(capacity: count)),
                ],
                metricsFactory: PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())
            )
        } else {
            bus = Bus(transport: transport, name: "bench", metricsFactory: NOOPMetricsHandler.instance)
        }
        let done = Countdown(count)
        try bus.handle(from: "orders", group: "bench", options: Bus.HandlerOptions(concurrency: 1)) { message, _ in
            _ = message.payload.count
            done.decrement()
            return []
        }
        return try await handlingRate(of: bus, on: transport, count: count, done: done)
    }

    static let cost = Scenario.busCost(name: "middleware-cost", limit: 1.25) { scale, fullStack in
        try await rate(count: scale.busMessages, fullStack: fullStack)
    }
}
