import Logging
import MessageBus
import Messaging
import ServiceLifecycle
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Publishes a ``Beat`` every interval for one instance of a service, with the results of its
/// health checks, and a last *stopping* beat on graceful shutdown.
///
/// Run it in the application's `ServiceGroup`, after the bus, so that on shutdown it stops
/// first and its last beat still goes out:
///
/// ```swift
/// let emitter = try HeartbeatEmitter(bus: bus, service: "orders-query", instanceID: "query-1")
/// let group = ServiceGroup(services: [transport, bus, emitter], logger: logger)
/// ```
///
/// Beats go through the bus's `publish(_:to:codec:)`, so through the bus's outgoing pipeline:
/// signed, stamped and counted like every other message. A beat that cannot be published is
/// logged and the emitter carries on; the monitor sees the instance late, then dead.
public final class HeartbeatEmitter: Service, Sendable {
    /// The service the instance belongs to.
    public let service: String
    /// The instance, unique within its service and the same across restarts.
    public let instanceID: String
    /// The host the instance runs on.
    public let host: String
    /// How long between two beats.
    public let interval: Duration
    /// The topic beats go to.
    public let topic: String
    /// How long the health checks may take before each beat; a check still running then fails.
    public let checkTimeout: Duration
    /// When this run of the instance started.
    public let startTime: Date

    private let bus: Bus
    private let checks: [HealthCheck]
    private let timekeeper: Timekeeper
    private let logger: Logger
    private let sequence = Mutex<UInt64>(0)

    /// Creates an emitter.
    ///
    /// - Parameters:
    ///   - bus: The bus beats are published through.
    ///   - service: The service the instance belongs to.
    ///   - instanceID: The instance, unique within its service; keep it across restarts (a pod
    ///     name, a host and port) so that a monitor sees a restart, not a new instance.
    ///   - host: The host the instance runs on. Default: the host's name.
    ///   - interval: How long between two beats. Default: 10 s.
    ///   - topic: The topic beats go to. Default: `heartbeats`.
    ///   - checks: The health checks run, all at once, before every beat. Default: none.
    ///   - checkTimeout: How long the checks may take; a check still running then is cancelled
    ///     and fails, so that a hanging check does not hold up the beat. At most `interval`.
    ///     Default: 5 s, or `interval` if shorter.
    ///   - startTime: When this run started. Default: now.
    ///   - clock: The clock intervals are measured on. Default: `ContinuousClock`.
    ///   - logger: Where failures to publish are logged. Default: the bus's logger.
    /// - Throws: ``HeartbeatError/Code/invalidConfiguration`` for an empty service or instance,
    ///   an interval or check timeout that is not positive, a check timeout longer than the
    ///   interval, an invalid topic, or two checks of one name.
    public init(
        bus: Bus,
        service: String,
        instanceID: String,
        host: String = ProcessInfo.processInfo.hostName,
        interval: Duration = .seconds(10),
        topic: String = "heartbeats",
        checks: [HealthCheck] = [],
        checkTimeout: Duration? = nil,
        startTime: Date = Date(),
        clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger? = nil
    ) throws(HeartbeatError) {
        guard !service.isEmpty, !instanceID.isEmpty else {
            throw HeartbeatError(.invalidConfiguration, "A heartbeat needs a service and an instance id; one is empty.")
        }
        guard interval > .zero else {
            throw HeartbeatError(.invalidConfiguration, "The heartbeat interval must be positive, not \(interval).")
        }
        let checkTimeout = checkTimeout ?? min(.seconds(5), interval)
        guard checkTimeout > .zero, checkTimeout <= interval else {
            throw HeartbeatError(
                .invalidConfiguration,
                "The check timeout (\(checkTimeout)) must be positive and at most the interval (\(interval))."
            )
        }
        do {
            try TopicName.validate(topic)
        } catch {
            throw HeartbeatError(.invalidConfiguration, "Invalid heartbeat topic: \(error.reason)", underlying: error)
        }
        var names = Set<String>()
        for check in checks where !names.insert(check.name).inserted {
            throw HeartbeatError(
                .invalidConfiguration,
                "Two health checks are named '\(check.name)'; names must be unique."
            )
        }
        self.bus = bus
        self.service = service
        self.instanceID = instanceID
        self.host = host
        self.interval = interval
        self.topic = topic
        self.checks = checks
        self.checkTimeout = checkTimeout
        self.startTime = startTime
        self.timekeeper = Timekeeper(clock)
        self.logger = logger ?? bus.logger
    }

    /// Beats every interval until graceful shutdown, then sends a last *stopping* beat; on
    /// cancellation stops without one.
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var next = self.timekeeper.now()
            while !Task.isCancelled {
                await self.beat(.running)
                // A beat that took longer than the interval is not followed by a burst.
                next = max(next + self.interval, self.timekeeper.now())
                try await self.timekeeper.sleepUntil(next)
            }
        }
        guard !Task.isCancelled else { return }
        await beat(.stopping)
    }

    /// Runs the checks and publishes one beat.
    private func beat(_ status: Beat.Status) async {
        let results = await runChecks()
        let number = sequence.withLock { sequence in
            sequence += 1
            return sequence
        }
        let beat = Beat(
            service: service,
            instanceID: instanceID,
            host: host,
            sequence: number,
            startTime: startTime,
            interval: interval,
            status: status,
            checks: results
        )
        do {
            try await bus.publish(beat, to: topic)
        } catch {
            logger.warning(
                "Could not publish a heartbeat",
                metadata: ["service": "\(service)", "instance": "\(instanceID)", "error": "\(error)"]
            )
        }
    }

    /// Runs every check at once and returns their results in order; a check still running after
    /// ``checkTimeout`` is cancelled and fails.
    private func runChecks() async -> [CheckResult] {
        guard !checks.isEmpty else { return [] }
        let deadline = timekeeper.now() + checkTimeout
        return await withTaskGroup(of: (index: Int, result: CheckResult)?.self) { group in
            for (index, check) in checks.enumerated() {
                group.addTask { (index, await check.run()) }
            }
            group.addTask {
                try? await self.timekeeper.sleepUntil(deadline)
                return nil
            }
            var results = [CheckResult?](repeating: nil, count: checks.count)
            var pending = checks.count
            while pending > 0, let finished = await group.next(), let (index, result) = finished {
                results[index] = result
                pending -= 1
            }
            group.cancelAll()
            return checks.indices.map { index in
                results[index]
                    ?? CheckResult(
                        name: checks[index].name,
                        kind: checks[index].kind,
                        status: .fail,
                        output: "No answer within \(checkTimeout)."
                    )
            }
        }
    }
}
