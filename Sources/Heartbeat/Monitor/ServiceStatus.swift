/// What a monitor makes of one service: how many of its instances are available, against its
/// minimum.
public struct ServiceStatus: Sendable, Hashable {
    /// The service.
    public var service: String
    /// `pass` when every instance that is not stopped is available and at least ``minimum``
    /// are; `warn` when at least ``minimum`` are available but some other instance is late, dead
    /// or failing a check; `fail` when fewer than ``minimum`` are available.
    public var status: HealthStatus
    /// How many instances are up with no failing check.
    public var available: Int
    /// How many instances the service needs available.
    public var minimum: Int
    /// Its instances, stopped ones included, ordered by instance id.
    public var instances: [InstanceStatus]

    init(service: String, minimum: Int, instances: [InstanceStatus]) {
        let available = instances.count { $0.isAvailable }
        let troubled = instances.contains { $0.state != .stopped && (!$0.isAvailable || $0.state == .late) }
        self.service = service
        self.minimum = minimum
        self.available = available
        self.instances = instances.sorted { $0.instanceID < $1.instanceID }
        self.status = available < minimum ? .fail : troubled ? .warn : .pass
    }
}
