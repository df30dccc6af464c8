/// How healthy something is, in the terms of the IETF draft *Health Check Response Format for
/// HTTP APIs*: `pass`, `warn` or `fail`.
///
/// Statuses are ordered from healthy to unhealthy, so the status of several parts is their
/// `max()`.
public enum HealthStatus: String, Sendable, Hashable, Codable, Comparable, CaseIterable {
    /// Healthy.
    case pass
    /// Healthy, with a concern worth a look.
    case warn
    /// Unhealthy.
    case fail

    private var rank: Int {
        switch self {
        case .pass: 0
        case .warn: 1
        case .fail: 2
        }
    }

    /// Whether `lhs` is healthier than `rhs`.
    public static func < (lhs: HealthStatus, rhs: HealthStatus) -> Bool {
        lhs.rank < rhs.rank
    }
}
