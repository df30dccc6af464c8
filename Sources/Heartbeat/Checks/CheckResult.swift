#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What one health check found, as an emitter reports it in its heartbeat.
public struct CheckResult: Sendable, Hashable, Codable {
    /// The check's name, unique among an instance's checks, such as `publish` or `database`.
    public var name: String
    /// Whether the check tells that the instance lives or that it can do its work.
    public var kind: HealthCheck.Kind
    /// What the check found.
    public var status: HealthStatus
    /// The value measured, such as a latency or a lag, if any.
    public var observedValue: Double?
    /// The unit of ``observedValue``, such as `ms`, `messages` or `percent`.
    public var observedUnit: String?
    /// What a human should know, such as the error of a failed check.
    public var output: String?
    /// When the check ran, on the emitter's clock.
    public var time: Date

    /// Creates a result.
    public init(
        name: String,
        kind: HealthCheck.Kind,
        status: HealthStatus,
        observedValue: Double? = nil,
        observedUnit: String? = nil,
        output: String? = nil,
        time: Date = Date()
    ) {
        self.name = name
        self.kind = kind
        self.status = status
        self.observedValue = observedValue
        self.observedUnit = observedUnit
        self.output = output
        self.time = time
    }
}
