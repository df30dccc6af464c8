import Foundation
import Heartbeat
import InMemoryTransport
import MessageBus
import Messaging
import Metrics

/// How many heartbeats the monitor judges per second, for 10 000 instances on the in-memory
/// transport: through the bus, beside a bare bus handler that only decodes the same beats; and
/// the judging alone, beats handed to the monitor without a transport.
enum HeartbeatScenario {
    static let instances = 10_000
    static let topic = "heartbeats"

    /// `count` beats of `instances` instances, each instance's sequence rising.
    static func beats(_ count: Int) -> [Beat] {
        let start = Date()
        return (0..<count).map { index in
            Beat(
                service: "service-\(index % 10)",
                instanceID: "instance-\(index % instances)",
                host: "host-\(index % instances)",
                sequence: UInt64(index / instances + 1),
                startTime: start,
                interval: .seconds(10)
            )
        }
    }

    /// Beats per second through a bus: from the first publish until the group has acknowledged
    /// every beat, handled by a monitor or, for the baseline, by a handler that only decodes.
    static func busRate(_ messages: [Message], monitored: Bool) async throws -> Double {
        let transport = InMemoryTransport()
        let bus = Bus(transport: transport, name: "bench", metricsFactory: NOOPMetricsHandler.instance)
        let group = "heartbeat-monitor"
        var monitor: HeartbeatMonitor?
        if monitored {
            monitor = try HeartbeatMonitor(bus: bus, group: group, metricsFactory: NOOPMetricsHandler.instance)
        } else {
            let options = Bus.HandlerOptions(subscription: SubscriptionOptions(startPosition: .latest))
            try bus.consume(Beat.self, from: topic, group: group, options: options) { beat, _ in
                _ = beat.sequence
            }
        }
        let runner = Task { try await bus.run() }
        try await bus.waitUntilRunning()
        let clock = ContinuousClock()
        let start = clock.now
        for batch in stride(from: 0, to: messages.count, by: 1000) {
            try await transport.publish(Array(messages[batch..<min(batch + 1000, messages.count)]), to: topic)
        }
        while await transport.consumerLag(of: group, on: topic) != 0 {
            try await Task.sleep(for: .milliseconds(1))
        }
        let elapsed = clock.now - start
        if let monitor, monitor.services.reduce(0, { $0 + $1.instances.count }) != instances {
            throw BenchmarkError("heartbeat-monitor: the monitor knows of fewer than \(instances) instances")
        }
        runner.cancel()
        _ = try? await runner.value
        await transport.shutdown()
        return Double(messages.count) / seconds(elapsed)
    }

    /// Beats per second handed straight to a monitor.
    static func judgingRate(_ beats: [Beat]) async throws -> Double {
        let transport = InMemoryTransport()
        let bus = Bus(transport: transport, name: "bench", metricsFactory: NOOPMetricsHandler.instance)
        let monitor = try HeartbeatMonitor(bus: bus, metricsFactory: NOOPMetricsHandler.instance)
        let clock = ContinuousClock()
        let start = clock.now
        for beat in beats {
            await monitor.receive(beat)
        }
        let elapsed = clock.now - start
        await transport.shutdown()
        return Double(beats.count) / seconds(elapsed)
    }

    static let monitor = Scenario(name: "heartbeat-monitor") { scale in
        let messages = try beats(scale.heartbeats).map { try Message($0) }
        let (project, baseline) = try await Scenario.alternate(rounds: scale.rounds) {
            try await busRate(messages, monitored: false)
        } project: {
            try await busRate(messages, monitored: true)
        }
        return .rate("heartbeat-monitor", project: project, baseline: baseline, minimum: 100_000)
    }

    static let judging = Scenario(name: "heartbeat-judging") { scale in
        let beats = beats(scale.heartbeats)
        var rates: [Double] = []
        for _ in 0..<scale.rounds {
            rates.append(try await judgingRate(beats))
        }
        return .rate("heartbeat-judging", project: median(rates), baseline: nil, minimum: 100_000)
    }
}
