import Logging
import MessageBus
import Messaging
import ServiceLifecycle
import Synchronization

/// Publishes an outbox's events in order and marks them published: the relay of the
/// Transactional Outbox.
///
/// The relay is a `Service`. ``run()`` publishes whatever is pending, then waits until a
/// ``CommandBus`` tells it a command committed (``wake()``) or ``pollInterval`` passed — events
/// committed by another process, or left over by a crash, are found by the poll — and repeats,
/// until graceful shutdown.
///
/// Events leave through the bus's outgoing pipeline, with the message ids the outbox gave them:
/// an event published and then published again after a crash, before it was marked, carries
/// the same id both times, so consumers that deduplicate by message id handle it once. Runs of
/// consecutive events for the same topic are published as one batch, in sequence order.
public final class OutboxRelay: Service, Sendable {
    /// The most events read from the store and published at once. Default: 100.
    public let batchSize: Int
    /// How long the relay waits without being woken before looking at the store again.
    /// Default: 1 second.
    public let pollInterval: Duration
    private let store: any OutboxStore
    private let bus: Bus
    private let logger: Logger
    private let sleep: @Sendable (Duration) async throws -> Void
    private let signal = Mutex<(woken: Bool, waiter: Promise<Void>?)>((false, nil))

    /// Creates a relay.
    ///
    /// - Parameters:
    ///   - store: The outbox to publish.
    ///   - bus: The bus whose outgoing pipeline and transport publish the events.
    ///   - batchSize: The most events published at once. Default: 100.
    ///   - pollInterval: How long the relay waits for a wake-up. Default: 1 second.
    ///   - clock: The clock the poll interval is measured on. Default: `ContinuousClock`.
    ///   - logger: The logger. Default: label `CQRS.OutboxRelay`.
    public init(
        store: any OutboxStore,
        bus: Bus,
        batchSize: Int = 100,
        pollInterval: Duration = .seconds(1),
        clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "CQRS.OutboxRelay")
    ) {
        self.store = store
        self.bus = bus
        self.batchSize = max(1, batchSize)
        self.pollInterval = pollInterval
        self.logger = logger
        self.sleep = { duration in try await clock.sleep(for: duration) }
    }

    /// Publishes pending events until graceful shutdown or cancellation.
    ///
    /// A pass that fails is logged and tried again after the poll interval; nothing is marked
    /// published that was not.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    do {
                        _ = try await self.publishPending()
                    } catch {
                        self.logger.warning("Could not relay the outbox", metadata: ["error": "\(error)"])
                    }
                    let sleep = self.sleep
                    let interval = self.pollInterval
                    _ = try await withDeadline({ try await sleep(interval) }) { try await self.nextWake() }
                }
            }
        } catch is CancellationError {
        }
    }

    /// Tells the relay that events were committed, so it publishes them without waiting for
    /// the poll interval.
    public func wake() {
        let waiter = signal.withLock { signal in
            guard let waiter = signal.waiter else {
                signal.woken = true
                return Promise<Void>?.none
            }
            signal.waiter = nil
            return waiter
        }
        waiter?.succeed(())
    }

    /// Publishes every pending event now, in order, marking each batch once published.
    ///
    /// - Returns: How many events were published.
    /// - Throws: ``CQRSError/Code/storeFailed`` when the store fails, or the error publishing
    ///   failed with; the events not yet marked are published on the next pass.
    @discardableResult
    public func publishPending() async throws -> Int {
        var published = 0
        while true {
            let entries: [OutboxEntry]
            do {
                entries = try await store.pending(limit: batchSize)
            } catch {
                throw CQRSError(.storeFailed, "Cannot read the outbox: \(error)", isRetriable: true)
            }
            guard !entries.isEmpty else {
                return published
            }
            var start = entries.startIndex
            while start < entries.endIndex {
                let topic = entries[start].topic
                var end = start + 1
                while end < entries.endIndex, entries[end].topic == topic {
                    end += 1
                }
                _ = try await bus.publish(entries[start..<end].map(\.message), to: topic)
                do {
                    try await store.markPublished(through: entries[end - 1].sequence)
                } catch {
                    throw CQRSError(.storeFailed, "Cannot mark outbox events published: \(error)", isRetriable: true)
                }
                published += end - start
                start = end
            }
        }
    }

    /// Returns at the next ``wake()``, or at once if one came since the last call.
    private func nextWake() async throws {
        let waiter = signal.withLock { signal in
            if signal.woken {
                signal.woken = false
                return Promise<Void>?.none
            }
            let waiter = Promise<Void>()
            signal.waiter = waiter
            return waiter
        }
        try await waiter?.value()
    }
}
