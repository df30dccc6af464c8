/// What a monitor makes of one instance, judged by when it last received a beat from it.
public enum InstanceState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Its last beat arrived within the lateness threshold.
    case alive
    /// Its last beat is older than the lateness threshold but within the grace period: still
    /// counted as up, and shown with a warning.
    case late
    /// No beat arrived for longer than the grace period.
    case dead
    /// It said it was stopping: shut down on purpose, not dead.
    case stopped

    /// Whether the instance counts as up: ``alive`` or ``late``.
    public var isUp: Bool {
        self == .alive || self == .late
    }
}
