#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The instances a monitor knows, as a value type: judges each beat in constant time, and the
/// passing of time in one scan, and says which transitions deserve a notification.
struct Registry {
    /// Identifies an instance across its runs.
    struct Key: Hashable {
        var service: String
        var instanceID: String
    }

    /// A change worth one notification.
    enum Transition: Equatable {
        case dead(InstanceStatus)
        case restored(InstanceStatus)
        case checkFailed(InstanceStatus, CheckResult)
        case checkRecovered(InstanceStatus, CheckResult)
        case serviceFailed(ServiceStatus)
        case serviceRecovered(ServiceStatus)
    }

    private struct Record {
        var host: String
        var startTime: Date
        var sequence: UInt64
        var lastReceived: Duration
        var state: InstanceState
        var checks: [CheckResult]
        var restarts = 0

        func status(of key: Key, at now: Duration) -> InstanceStatus {
            InstanceStatus(
                service: key.service,
                instanceID: key.instanceID,
                host: host,
                state: state,
                startTime: startTime,
                sequence: sequence,
                restarts: restarts,
                sinceLastBeat: now - lastReceived,
                checks: checks
            )
        }
    }

    let lateAfter: Duration
    let grace: Duration
    let minimumInstances: [String: Int]

    private var records: [Key: Record] = [:]
    private var serviceStatuses: [String: HealthStatus] = [:]

    init(lateAfter: Duration, grace: Duration, minimumInstances: [String: Int]) {
        self.lateAfter = lateAfter
        self.grace = grace
        self.minimumInstances = minimumInstances
    }

    var count: Int { records.count }

    // MARK: - Judging

    /// Takes in a beat received at `now`; ignores a duplicate, an older sequence number, and a
    /// beat of an older run while the newer one is up.
    mutating func receive(_ beat: Beat, at now: Duration) -> [Transition] {
        let key = Key(service: beat.service, instanceID: beat.instanceID)
        guard let index = records.index(forKey: key) else {
            let record = Record(
                host: beat.host,
                startTime: beat.startTime,
                sequence: beat.sequence,
                lastReceived: now,
                state: beat.status == .stopping ? .stopped : .alive,
                checks: beat.checks
            )
            records[key] = record
            return beat.checks.isEmpty
                ? [] : Self.checkTransitions(from: [], to: beat.checks, of: record.status(of: key, at: now))
        }
        // Updated in place: one lookup, no copy of the record.
        return Self.update(&records.values[index], key: key, with: beat, at: now)
    }

    private static func update(_ record: inout Record, key: Key, with beat: Beat, at now: Duration) -> [Transition] {
        if beat.startTime == record.startTime {
            guard beat.sequence > record.sequence else { return [] }
        } else if beat.startTime > record.startTime || !record.state.isUp {
            // A new run under the same id, or any run once the known one is down (its sender's
            // clock may be behind): a restart, not a new instance.
            record.restarts += 1
            record.startTime = beat.startTime
        } else {
            return []
        }
        let wasDead = record.state == .dead
        if record.host != beat.host {
            record.host = beat.host
        }
        record.sequence = beat.sequence
        record.lastReceived = now
        record.state = beat.status == .stopping ? .stopped : .alive
        guard wasDead || !record.checks.isEmpty || !beat.checks.isEmpty else { return [] }
        let previousChecks = record.checks
        record.checks = beat.checks
        let status = record.status(of: key, at: now)
        var transitions = wasDead ? [Transition.restored(status)] : []
        transitions += checkTransitions(from: previousChecks, to: beat.checks, of: status)
        return transitions
    }

    private static func checkTransitions(
        from previous: [CheckResult],
        to current: [CheckResult],
        of instance: InstanceStatus
    ) -> [Transition] {
        var transitions: [Transition] = []
        let wasFailing = previous.filter { $0.status == .fail }
        for check in current where check.status == .fail && !wasFailing.contains(where: { $0.name == check.name }) {
            transitions.append(.checkFailed(instance, check))
        }
        for check in wasFailing {
            let now = current.first { $0.name == check.name }
            if now?.status != .fail {
                transitions.append(.checkRecovered(instance, now ?? check))
            }
        }
        return transitions
    }

    /// Judges every instance at `now`: alive, late, or dead past the grace period; then every
    /// service against its minimum. Calls `visit` with each instance's state.
    mutating func evaluate(at now: Duration, visit: (Key, InstanceState, Duration) -> Void = { _, _, _ in })
        -> [Transition]
    {
        var transitions: [Transition] = []
        var changes: [(Key, InstanceState)] = []
        for (key, record) in records {
            let elapsed = now - record.lastReceived
            var state = record.state
            if state.isUp {
                state = elapsed > grace ? .dead : elapsed > lateAfter ? .late : .alive
                if state != record.state {
                    changes.append((key, state))
                    if state == .dead {
                        transitions.append(.dead(record.status(of: key, at: now).with(state: .dead)))
                    }
                }
            }
            visit(key, state, elapsed)
        }
        // Applied after the scan, so that it does not copy the dictionary it iterates.
        for (key, state) in changes {
            records[key]?.state = state
        }
        for service in services(at: now) {
            let previous = serviceStatuses[service.service]
            serviceStatuses[service.service] = service.status
            // A service without a minimum of its own is watched through its instances' alerts.
            guard minimumInstances[service.service] != nil else { continue }
            if service.status == .fail, let previous, previous != .fail {
                transitions.append(.serviceFailed(service))
            } else if previous == .fail, service.status != .fail {
                transitions.append(.serviceRecovered(service))
            }
        }
        return transitions
    }

    /// Forgets an instance; returns whether it was known.
    mutating func remove(_ key: Key) -> Bool {
        records.removeValue(forKey: key) != nil
    }

    // MARK: - Reading

    /// The instance's status at `now`, if known.
    func instance(_ key: Key, at now: Duration) -> InstanceStatus? {
        records[key].map { $0.status(of: key, at: now) }
    }

    /// Every service seen or given a minimum, ordered by name, with its instances.
    func services(at now: Duration) -> [ServiceStatus] {
        var instances: [String: [InstanceStatus]] = [:]
        for service in minimumInstances.keys {
            instances[service] = []
        }
        for (key, record) in records {
            instances[key.service, default: []].append(record.status(of: key, at: now))
        }
        return instances.keys.sorted().map { service in
            ServiceStatus(service: service, minimum: minimumInstances[service] ?? 1, instances: instances[service]!)
        }
    }
}

extension InstanceStatus {
    fileprivate func with(state: InstanceState) -> InstanceStatus {
        var status = self
        status.state = state
        return status
    }
}
