#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The health of the services a monitor watches, in the IETF draft *Health Check Response
/// Format for HTTP APIs* (`application/health+json`), ready for any HTTP server to serve.
///
/// ```json
/// {
///   "checks": {
///     "orders-query:heartbeat": [
///       { "componentId": "query-1", "componentType": "component", "observedUnit": "s",
///         "observedValue": 3, "output": "alive on host-a", "status": "pass",
///         "time": "2026-12-06T20:00:00Z" }
///     ],
///     "orders-query:instances": [
///       { "componentId": "orders-query", "componentType": "system", "observedUnit": "instances",
///         "observedValue": 1, "output": "1 of 1 instances available, minimum 1", "status": "pass",
///         "time": "2026-12-06T20:00:03Z" }
///     ]
///   },
///   "status": "pass",
///   "time": "2026-12-06T20:00:03Z"
/// }
/// ```
///
/// The checks are keyed `<service>:<measurement>` as the draft's `component:measurement`:
/// `<service>:instances` holds the service's own status, `<service>:heartbeat` one entry per
/// instance (its state, and the seconds since its last beat), and `<service>:<check>` one entry
/// per instance that reports the health check `<check>`. Serve it with ``httpStatus`` and
/// ``contentType``, and the body ``encoded()``.
public struct HealthReport: Sendable, Hashable, Codable {
    /// One entry of ``checks``: the status of one component for one measurement.
    public struct Check: Sendable, Hashable, Codable {
        /// The component: a service's name, or an instance's id.
        public var componentId: String
        /// `system` for a service, `component` for an instance.
        public var componentType: String
        /// What the measurement found.
        public var status: HealthStatus
        /// When the measurement was taken.
        public var time: Date
        /// The value measured, if any.
        public var observedValue: Double?
        /// The unit of ``observedValue``.
        public var observedUnit: String?
        /// What a human should know.
        public var output: String?

        /// Creates an entry.
        public init(
            componentId: String,
            componentType: String,
            status: HealthStatus,
            time: Date,
            observedValue: Double? = nil,
            observedUnit: String? = nil,
            output: String? = nil
        ) {
            self.componentId = componentId
            self.componentType = componentType
            self.status = status
            self.time = time
            self.observedValue = observedValue
            self.observedUnit = observedUnit
            self.output = output
        }
    }

    /// The media type of the body: `application/health+json`.
    public static let contentType = "application/health+json"

    /// The worst status of the services: `fail` if one has fewer instances available than its
    /// minimum.
    public var status: HealthStatus
    /// Which services fail, when some do.
    public var output: String?
    /// When the report was made.
    public var time: Date
    /// The measurements, keyed `<service>:<measurement>`.
    public var checks: [String: [Check]]

    /// Creates a report.
    public init(status: HealthStatus, output: String? = nil, time: Date, checks: [String: [Check]]) {
        self.status = status
        self.output = output
        self.time = time
        self.checks = checks
    }

    /// The report of `services` at `time`.
    init(services: [ServiceStatus], time: Date) {
        var checks: [String: [Check]] = [:]
        for service in services {
            checks["\(service.service):instances"] = [
                Check(
                    componentId: service.service,
                    componentType: "system",
                    status: service.status,
                    time: time,
                    observedValue: Double(service.available),
                    observedUnit: "instances",
                    output: "\(service.available) of \(service.instances.count) instances available, "
                        + "minimum \(service.minimum)"
                )
            ]
            for instance in service.instances {
                let lastBeat = time.addingTimeInterval(-instance.sinceLastBeat.seconds)
                checks["\(service.service):heartbeat", default: []].append(
                    Check(
                        componentId: instance.instanceID,
                        componentType: "component",
                        status: instance.heartbeatStatus,
                        time: lastBeat,
                        observedValue: instance.sinceLastBeat.seconds,
                        observedUnit: "s",
                        output: instance.summary
                    )
                )
                for check in instance.checks {
                    checks["\(service.service):\(check.name)", default: []].append(
                        Check(
                            componentId: instance.instanceID,
                            componentType: "component",
                            status: check.status,
                            time: check.time,
                            observedValue: check.observedValue,
                            observedUnit: check.observedUnit,
                            output: check.output
                        )
                    )
                }
            }
        }
        let failing = services.filter { $0.status == .fail }.map(\.service)
        self.init(
            status: services.map(\.status).max() ?? .pass,
            output: failing.isEmpty ? nil : "Failing: \(failing.joined(separator: ", ")).",
            time: time,
            checks: checks
        )
    }

    /// The HTTP status to answer with: 200 for `pass` and `warn`, 503 for `fail`.
    public var httpStatus: Int {
        status == .fail ? 503 : 200
    }

    /// The report as JSON: keys sorted, times in ISO 8601.
    public func encoded() throws -> Data {
        try Self.encoder.encode(self)
    }

    /// Reads a report written by ``encoded()``.
    public static func decoded(from data: Data) throws -> HealthReport {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(HealthReport.self, from: data)
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }
}

extension InstanceStatus {
    /// The status of the instance's heartbeat: late warns, dead fails.
    fileprivate var heartbeatStatus: HealthStatus {
        switch state {
        case .alive, .stopped: .pass
        case .late: .warn
        case .dead: .fail
        }
    }

    /// The instance's state, host and restarts, in a few words.
    fileprivate var summary: String {
        let restarted = restarts > 0 ? ", restarted \(restarts) time\(restarts == 1 ? "" : "s")" : ""
        return "\(state.rawValue) on \(host)\(restarted)"
    }
}
