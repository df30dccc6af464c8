import Logging
import MessageBus
import Messaging
import Metrics
import ServiceLifecycle
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Consumes heartbeats, tells which instances of which services are alive, late, dead or
/// stopped, and raises one notification for every change that needs a person.
///
/// The monitor judges by when it *receives* each beat, on its own clock — the sender's clock may
/// be wrong. An instance is ``InstanceState/alive`` while its last beat is at most `lateAfter`
/// old, ``InstanceState/late`` until the grace period is over, then ``InstanceState/dead``; a
/// *stopping* beat makes it ``InstanceState/stopped``, with no alert. Time is judged by
/// ``evaluate()``, which ``run()`` calls every `evaluationInterval`, so an instance is declared
/// dead without any beat arriving.
///
/// Each change raises exactly one notification through the bus's notifier:
///
/// | Change | Kind | `reason` |
/// |---|---|---|
/// | an instance is dead | `serviceDead` | `heartbeatMissed` |
/// | a dead instance beats again | `serviceRestored` | `heartbeatResumed` |
/// | a check an instance reports starts failing | `healthCheckFailed` | the check's name |
/// | that check passes again | `healthCheckRecovered` | the check's name |
/// | a service has fewer instances available than its minimum | `serviceDead` | `belowMinimumInstances` |
/// | it has enough again | `serviceRestored` | `minimumInstancesRestored` |
///
/// The last two only for a service given in `minimumInstances`, and not for a service that
/// was never seen with enough instances: one instance of a service without a minimum of its
/// own raises its instance's alert, not a second one for the service.
///
/// Every notification names its `service` and, for one instance,
/// its `instance`. An instance that restarts under the same id — a
/// new start time, maybe on another host, its sequence from 1 again — is the same instance
/// restarted: no dead and restored pair. Beats it sent before, arriving late, are ignored, as
/// are duplicates.
///
/// Per-beat work takes constant time; ``evaluate()`` scans every instance.
public final class HeartbeatMonitor: Service, Sendable {
    /// The topic heartbeats are read from.
    public let topic: String
    /// How old a last beat may be before its instance is late.
    public let lateAfter: Duration
    /// How old a last beat may be before its instance is dead.
    public let grace: Duration
    /// How often ``run()`` judges the passing of time.
    public let evaluationInterval: Duration

    private let bus: Bus
    private let timekeeper: Timekeeper
    private let logger: Logger
    private let registry: Mutex<Registry>
    private let metrics: Mutex<MonitorMetrics>

    /// Creates a monitor and registers its consumer of `topic` on `bus`, which must not have
    /// started yet.
    ///
    /// A monitor whose consumer group is new starts with the beats published from then on, not
    /// with those the topic retains from before; one whose group has read the topic before
    /// continues where it left off, and its judgement settles within one grace period.
    ///
    /// - Parameters:
    ///   - bus: The bus heartbeats arrive through, and whose notifier hears about changes.
    ///   - topic: The topic heartbeats are read from. Default: `heartbeats`.
    ///   - group: The monitor's consumer group; give each monitor its own. Default:
    ///     `heartbeat-monitor`.
    ///   - interval: How often instances beat. Default: 10 s.
    ///   - grace: How long without a beat before an instance is dead; longer than `interval`.
    ///     Default: 40 s.
    ///   - lateAfter: How long without a beat before an instance is late; at least `interval`
    ///     and at most `grace`. Default: one and a half intervals.
    ///   - minimumInstances: How many instances each service needs available; services not
    ///     named need 1. A service named here is reported even before any of its beats arrives.
    ///     Default: none.
    ///   - evaluationInterval: How often ``run()`` judges the passing of time. Default: 1 s.
    ///   - clock: The clock beats are received on. Default: `ContinuousClock`.
    ///   - metricsFactory: Where the gauges go. Default: the bus's.
    ///   - logger: Where changes are logged. Default: the bus's logger.
    /// - Throws: ``HeartbeatError/Code/invalidConfiguration`` for a grace period not longer
    ///   than the interval, a `lateAfter` outside `interval...grace`, an interval or evaluation
    ///   interval that is not positive, a negative minimum, an invalid topic or group, or a bus
    ///   that has already started.
    public init(
        bus: Bus,
        topic: String = "heartbeats",
        group: String = "heartbeat-monitor",
        interval: Duration = .seconds(10),
        grace: Duration = .seconds(40),
        lateAfter: Duration? = nil,
        minimumInstances: [String: Int] = [:],
        evaluationInterval: Duration = .seconds(1),
        clock: some Clock<Duration> = ContinuousClock(),
        metricsFactory: (any MetricsFactory)? = nil,
        logger: Logger? = nil
    ) throws(HeartbeatError) {
        let lateAfter = lateAfter ?? interval * 1.5
        guard interval > .zero, evaluationInterval > .zero else {
            throw HeartbeatError(
                .invalidConfiguration,
                "The interval (\(interval)) and the evaluation interval (\(evaluationInterval)) must be positive."
            )
        }
        guard grace > interval else {
            throw HeartbeatError(
                .invalidConfiguration,
                "The grace period (\(grace)) must be longer than the heartbeat interval (\(interval)), "
                    + "or every instance would be declared dead between two beats."
            )
        }
        guard lateAfter >= interval, lateAfter <= grace else {
            throw HeartbeatError(
                .invalidConfiguration,
                "lateAfter (\(lateAfter)) must lie between the interval (\(interval)) and the grace period (\(grace))."
            )
        }
        if let (service, minimum) = minimumInstances.first(where: { $0.value < 0 }) {
            throw HeartbeatError(
                .invalidConfiguration,
                "The minimum number of instances of '\(service)' must not be negative, not \(minimum)."
            )
        }
        self.bus = bus
        self.topic = topic
        self.lateAfter = lateAfter
        self.grace = grace
        self.evaluationInterval = evaluationInterval
        self.timekeeper = Timekeeper(clock)
        self.logger = logger ?? bus.logger
        self.registry = Mutex(Registry(lateAfter: lateAfter, grace: grace, minimumInstances: minimumInstances))
        self.metrics = Mutex(MonitorMetrics(factory: metricsFactory ?? bus.metricsFactory))
        do {
            // A new monitor starts at the latest beat: beats the topic retains from before it tell
            // nothing about now, and would bring back instances long gone. One lane: judging a
            // beat takes a lock and a microsecond, and more lanes only add the hand-off.
            let options = Bus.HandlerOptions(
                concurrency: 1,
                subscription: SubscriptionOptions(startPosition: .latest)
            )
            // Beats are read by `BeatReader` rather than `JSONDecoder`: decoding was most of the
            // monitor's time per beat.
            try bus.consume(from: topic, group: group, options: options) { [weak self] message, _ in
                let beat: Beat
                do throws(MessagingError) {
                    beat = try Beat(reading: message)
                } catch {
                    throw MessageBusError(.decodingFailed, error.reason, underlying: error)
                }
                await self?.receive(beat)
            }
        } catch {
            throw HeartbeatError(
                .invalidConfiguration,
                "Cannot consume heartbeats from '\(topic)': \(error.reason)",
                underlying: error
            )
        }
    }

    // MARK: - Running

    /// Judges the passing of time every ``evaluationInterval`` until graceful shutdown or
    /// cancellation. The bus delivers the beats; run it beside the monitor.
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var next = self.timekeeper.now()
            while !Task.isCancelled {
                next = max(next + self.evaluationInterval, self.timekeeper.now())
                try await self.timekeeper.sleepUntil(next)
                await self.evaluate()
            }
        }
    }

    /// Takes in one beat, received now: what the monitor's consumer does with each heartbeat.
    ///
    /// Exposed for beats that arrive another way, and for measuring the monitor alone.
    nonisolated(nonsending) public func receive(_ beat: Beat) async {
        let now = timekeeper.now()
        let transitions = registry.withLock { $0.receive(beat, at: now) }
        if !transitions.isEmpty {
            await notify(transitions)
        }
    }

    /// Judges every instance now — alive, late or dead — and every service against its minimum,
    /// raises a notification for each change, and updates the gauges.
    public func evaluate() async {
        let now = timekeeper.now()
        let transitions = metrics.withLock { metrics in
            metrics.begin()
            defer { metrics.end() }
            return registry.withLock { registry in
                registry.evaluate(at: now) { key, state, elapsed in
                    metrics.record(key, state: state, sinceLastBeat: elapsed)
                }
            }
        }
        await notify(transitions)
    }

    // MARK: - Reading

    /// Every service seen or given a minimum, with its instances, as judged at the last
    /// ``evaluate()`` and beat.
    public var services: [ServiceStatus] {
        let now = timekeeper.now()
        return registry.withLock { $0.services(at: now) }
    }

    /// What the monitor knows about one instance, or `nil` if it never heard of it.
    public func instance(_ instanceID: String, of service: String) -> InstanceStatus? {
        let now = timekeeper.now()
        return registry.withLock { $0.instance(Registry.Key(service: service, instanceID: instanceID), at: now) }
    }

    /// Judges the present with ``evaluate()`` and returns the health of every service.
    public func report() async -> HealthReport {
        await evaluate()
        return HealthReport(services: services, time: Date())
    }

    /// Forgets an instance that was taken out of service for good, so that it no longer counts
    /// towards its service. Raises no notification; a beat from it later makes it known again.
    ///
    /// - Throws: ``HeartbeatError/Code/unknownInstance`` if the monitor does not know it.
    public func decommission(_ instanceID: String, of service: String) throws(HeartbeatError) {
        let key = Registry.Key(service: service, instanceID: instanceID)
        guard registry.withLock({ $0.remove(key) }) else {
            throw HeartbeatError(
                .unknownInstance,
                "No instance '\(instanceID)' of service '\(service)' is known to the monitor."
            )
        }
        metrics.withLock { $0.remove(key) }
        logger.info("Instance decommissioned", metadata: ["service": "\(service)", "instance": "\(instanceID)"])
    }

    // MARK: - Notifying

    nonisolated(nonsending) private func notify(_ transitions: [Registry.Transition]) async {
        for transition in transitions {
            let notification = Self.notification(for: transition)
            logger.warning(
                "\(notification.summary)",
                metadata: ["kind": "\(notification.kind)", "service": "\(notification.service ?? "")"]
            )
            await bus.notify(notification)
        }
    }

    private static func notification(for transition: Registry.Transition) -> BusNotification {
        switch transition {
        case .dead(let instance):
            BusNotification(
                kind: .serviceDead,
                summary: "Instance '\(instance.instanceID)' of '\(instance.service)' on \(instance.host) is dead: "
                    + "no heartbeat for \(Int(instance.sinceLastBeat.seconds.rounded())) s.",
                reason: "heartbeatMissed",
                service: instance.service,
                instance: instance.instanceID
            )
        case .restored(let instance):
            BusNotification(
                kind: .serviceRestored,
                summary: "Instance '\(instance.instanceID)' of '\(instance.service)' on \(instance.host) "
                    + "sends heartbeats again.",
                reason: "heartbeatResumed",
                service: instance.service,
                instance: instance.instanceID
            )
        case .checkFailed(let instance, let check):
            BusNotification(
                kind: .healthCheckFailed,
                summary: "Check '\(check.name)' of instance '\(instance.instanceID)' of '\(instance.service)' fails"
                    + (check.output.map { ": \($0)" } ?? "."),
                reason: check.name,
                error: check.output,
                service: instance.service,
                instance: instance.instanceID
            )
        case .checkRecovered(let instance, let check):
            BusNotification(
                kind: .healthCheckRecovered,
                summary: "Check '\(check.name)' of instance '\(instance.instanceID)' of '\(instance.service)' "
                    + "passes again.",
                reason: check.name,
                service: instance.service,
                instance: instance.instanceID
            )
        case .serviceFailed(let service):
            BusNotification(
                kind: .serviceDead,
                summary: "Service '\(service.service)' has \(service.available) instances available, "
                    + "fewer than its minimum of \(service.minimum).",
                reason: "belowMinimumInstances",
                service: service.service
            )
        case .serviceRecovered(let service):
            BusNotification(
                kind: .serviceRestored,
                summary: "Service '\(service.service)' has \(service.available) instances available again, "
                    + "its minimum is \(service.minimum).",
                reason: "minimumInstancesRestored",
                service: service.service
            )
        }
    }
}
