import Metrics

/// The monitor's gauges, created once per service and state and once per instance:
/// `heartbeat_instances{service,state}` and `heartbeat_seconds_since_last_beat{service,instance}`.
struct MonitorMetrics {
    private let factory: any MetricsFactory
    private var instances: [String: [InstanceState: Gauge]] = [:]
    private var sinceLastBeat: [Registry.Key: Gauge] = [:]
    private var counts: [String: [InstanceState: Int]] = [:]

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// Starts a new evaluation: every count back to zero.
    mutating func begin() {
        for service in counts.keys {
            counts[service] = [:]
        }
    }

    /// Records one instance's state and the time since its last beat.
    mutating func record(_ key: Registry.Key, state: InstanceState, sinceLastBeat elapsed: Duration) {
        counts[key.service, default: [:]][state, default: 0] += 1
        let gauge =
            sinceLastBeat[key]
            ?? {
                let gauge = Gauge(
                    label: "heartbeat_seconds_since_last_beat",
                    dimensions: [("service", key.service), ("instance", key.instanceID)],
                    factory: factory
                )
                sinceLastBeat[key] = gauge
                return gauge
            }()
        gauge.record(elapsed.seconds)
    }

    /// Ends an evaluation: records every service's count per state.
    mutating func end() {
        for (service, states) in counts {
            for state in InstanceState.allCases {
                let gauge =
                    instances[service]?[state]
                    ?? {
                        let gauge = Gauge(
                            label: "heartbeat_instances",
                            dimensions: [("service", service), ("state", state.rawValue)],
                            factory: factory
                        )
                        instances[service, default: [:]][state] = gauge
                        return gauge
                    }()
                gauge.record(states[state] ?? 0)
            }
        }
    }

    /// Stops reporting a forgotten instance.
    mutating func remove(_ key: Registry.Key) {
        sinceLastBeat.removeValue(forKey: key)?.destroy()
    }
}
