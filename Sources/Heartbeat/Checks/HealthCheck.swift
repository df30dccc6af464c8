import MessageBus
import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One thing an instance checks about itself before each heartbeat: that it can publish, that
/// its database answers, that its consumers keep up.
///
/// A check is a name, a kind and an async closure that returns an ``Outcome``. A closure that
/// throws counts as a failed check, with the error as its output:
///
/// ```swift
/// let database = HealthCheck(name: "database", kind: .readiness) {
///     try await database.read { db in try db.execute(sql: "SELECT 1") }
///     return .pass(output: "answers")
/// }
/// ```
///
/// A ``HeartbeatEmitter`` runs its checks, all at once, before every beat, and fails those still
/// running after its ``HeartbeatEmitter/checkTimeout``: it cancels them, so a check must end when
/// its task is cancelled, as `Task.sleep` and most asynchronous I/O do.
public struct HealthCheck: Sendable {
    /// Whether a check tells that an instance lives or that it can do its work.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The instance runs; a failing liveness check means it should be restarted.
        case liveness
        /// The instance can do its work now: its database answers, its consumers keep up.
        case readiness
    }

    /// What a check found: a status, and optionally a measured value and a sentence.
    public struct Outcome: Sendable, Hashable {
        /// What the check found.
        public var status: HealthStatus
        /// The value measured, if any.
        public var observedValue: Double?
        /// The unit of ``observedValue``.
        public var observedUnit: String?
        /// What a human should know.
        public var output: String?

        /// Creates an outcome.
        public init(
            status: HealthStatus,
            observedValue: Double? = nil,
            observedUnit: String? = nil,
            output: String? = nil
        ) {
            self.status = status
            self.observedValue = observedValue
            self.observedUnit = observedUnit
            self.output = output
        }

        /// A passing outcome.
        public static func pass(_ value: Double? = nil, unit: String? = nil, output: String? = nil) -> Outcome {
            Outcome(status: .pass, observedValue: value, observedUnit: unit, output: output)
        }

        /// A passing outcome with a concern.
        public static func warn(_ value: Double? = nil, unit: String? = nil, output: String? = nil) -> Outcome {
            Outcome(status: .warn, observedValue: value, observedUnit: unit, output: output)
        }

        /// A failing outcome.
        public static func fail(_ value: Double? = nil, unit: String? = nil, output: String? = nil) -> Outcome {
            Outcome(status: .fail, observedValue: value, observedUnit: unit, output: output)
        }
    }

    /// The check's name, unique among an instance's checks.
    public let name: String
    /// Whether the check tells that the instance lives or that it can do its work.
    public let kind: Kind
    private let body: @Sendable () async throws -> Outcome

    /// Creates a check that runs `body`.
    ///
    /// - Parameters:
    ///   - name: The check's name, unique among an instance's checks.
    ///   - kind: Liveness or readiness. Default: ``Kind/readiness``.
    ///   - body: What the check does; an error it throws makes the check fail with the error as
    ///     output.
    public init(name: String, kind: Kind = .readiness, _ body: @escaping @Sendable () async throws -> Outcome) {
        self.name = name
        self.kind = kind
        self.body = body
    }

    /// Runs the check and returns its result; never throws.
    public func run() async -> CheckResult {
        let outcome: Outcome
        do {
            outcome = try await body()
        } catch {
            outcome = .fail(output: "\(error)")
        }
        return CheckResult(
            name: name,
            kind: kind,
            status: outcome.status,
            observedValue: outcome.observedValue,
            observedUnit: outcome.observedUnit,
            output: outcome.output
        )
    }
}

// MARK: - Built-in checks

extension HealthCheck {
    /// A liveness check named `publish` that publishes a small probe message to `topic` through
    /// `bus` — so through its outgoing pipeline and its transport — and reports how long it
    /// took in milliseconds; it fails with the error if the message cannot be published.
    ///
    /// - Parameters:
    ///   - bus: The bus whose transport is checked.
    ///   - topic: Where probe messages go. Default: `heartbeats.probe`.
    public static func publishing(through bus: Bus, to topic: String = "heartbeats.probe") -> HealthCheck {
        HealthCheck(name: "publish", kind: .liveness) {
            let clock = ContinuousClock()
            let start = clock.now
            try await bus.publish(Message(type: "heartbeat.probe"), to: topic)
            let elapsed = start.duration(to: clock.now)
            return .pass(elapsed.milliseconds, unit: "ms")
        }
    }

    /// A readiness check named `lag:<group>` that reads how many messages of `topic` consumer
    /// group `group` has not yet handled: it passes up to `warnAbove`, warns up to `failAbove`,
    /// and fails above; it warns if the transport does not know the lag.
    ///
    /// - Parameters:
    ///   - group: The consumer group.
    ///   - topic: The topic it consumes.
    ///   - transport: A transport that reports consumer lag, such as the bus's.
    ///   - warnAbove: The lag above which the check warns.
    ///   - failAbove: The lag above which the check fails.
    public static func consumerLag(
        of group: String,
        on topic: String,
        transport: any ConsumerLagReporting,
        warnAbove: Int,
        failAbove: Int
    ) -> HealthCheck {
        threshold(name: "lag:\(group)", unit: "messages", warnAbove: Double(warnAbove), failAbove: Double(failAbove)) {
            await transport.consumerLag(of: group, on: topic).map(Double.init)
        }
    }

    /// A check that measures a value, such as a handler's failure rate or a queue's depth, and
    /// passes up to `warnAbove`, warns up to `failAbove`, and fails above; it warns when
    /// `measure` returns `nil`.
    ///
    /// - Parameters:
    ///   - name: The check's name.
    ///   - kind: Liveness or readiness. Default: ``Kind/readiness``.
    ///   - unit: The unit of the measured value.
    ///   - warnAbove: The value above which the check warns.
    ///   - failAbove: The value above which the check fails.
    ///   - measure: Measures the value, or returns `nil` if it is not known.
    public static func threshold(
        name: String,
        kind: Kind = .readiness,
        unit: String,
        warnAbove: Double,
        failAbove: Double,
        _ measure: @escaping @Sendable () async throws -> Double?
    ) -> HealthCheck {
        HealthCheck(name: name, kind: kind) {
            guard let value = try await measure() else {
                return .warn(unit: unit, output: "Not measured.")
            }
            if value > failAbove {
                return .fail(value, unit: unit, output: "\(value) \(unit) is above \(failAbove).")
            }
            if value > warnAbove {
                return .warn(value, unit: unit, output: "\(value) \(unit) is above \(warnAbove).")
            }
            return .pass(value, unit: unit)
        }
    }
}

extension Duration {
    /// The duration in seconds, with fractions.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// The duration in milliseconds, with fractions.
    var milliseconds: Double { seconds * 1000 }
}
