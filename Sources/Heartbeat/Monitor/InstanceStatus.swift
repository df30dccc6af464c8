#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What a monitor knows about one instance of a service: part of a ``HealthReport``, and what
/// ``HeartbeatMonitor/instance(_:of:)`` returns.
public struct InstanceStatus: Sendable, Hashable {
    /// The service.
    public var service: String
    /// The instance.
    public var instanceID: String
    /// The host of its last beat.
    public var host: String
    /// Alive, late, dead or stopped.
    public var state: InstanceState
    /// When its current run started, as it says.
    public var startTime: Date
    /// The sequence number of its last beat.
    public var sequence: UInt64
    /// How many times the monitor saw it start again under the same id.
    public var restarts: Int
    /// How long ago its last beat arrived, on the monitor's clock.
    public var sinceLastBeat: Duration
    /// What its health checks found, as its last beat said.
    public var checks: [CheckResult]

    /// Whether it counts towards its service's instances: up, and no check failing.
    public var isAvailable: Bool {
        state.isUp && !checks.contains { $0.status == .fail }
    }
}
