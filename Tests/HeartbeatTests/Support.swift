import Clocks
import Foundation
import Heartbeat
import MessageBus
import MessageBusTesting
import Messaging
import Metrics

/// A monitor on a bus harness and a test clock, and beats to feed it through the in-memory
/// transport.
struct MonitorFixture {
    let harness: BusHarness
    let clock = TestClock()
    let monitor: HeartbeatMonitor

    init(minimumInstances: [String: Int] = [:], metricsFactory: (any MetricsFactory)? = nil) throws {
        harness = metricsFactory.map { BusHarness(metricsFactory: $0) } ?? BusHarness()
        monitor = try HeartbeatMonitor(
            bus: harness.bus,
            interval: .seconds(10),
            grace: .seconds(40),
            minimumInstances: minimumInstances,
            clock: clock
        )
    }

    /// Publishes `beats` as another application would, and waits until the monitor took them in.
    func send(_ beats: Beat...) async throws {
        for beat in beats {
            try await harness.transport.publish(try Message(beat), to: "heartbeats")
        }
        try await harness.waitUntilHandled("heartbeats", group: "heartbeat-monitor")
    }

    /// Moves the clock on by `seconds` and judges the passing of time.
    func advance(_ seconds: Int) async {
        await clock.advance(by: .seconds(seconds))
        await monitor.evaluate()
    }

    func state(_ instance: String, of service: String = "orders") -> InstanceState? {
        monitor.instance(instance, of: service)?.state
    }

    var notifications: [BusNotification] { harness.notifications }
}

let firstRun = Date(timeIntervalSince1970: 1_800_000_000)

/// A running beat of `instance` of `service`, every 10 seconds.
func beat(
    _ instance: String,
    of service: String = "orders",
    sequence: UInt64,
    host: String = "host-a",
    startTime: Date = firstRun,
    status: Beat.Status = .running,
    checks: [CheckResult] = []
) -> Beat {
    Beat(
        service: service,
        instanceID: instance,
        host: host,
        sequence: sequence,
        startTime: startTime,
        interval: .seconds(10),
        status: status,
        checks: checks
    )
}
