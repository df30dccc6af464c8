import Logging
import MessageBus
import Messaging
import Metrics
import ServiceLifecycle

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A Channel Adapter that reads a system which cannot publish messages itself — polling it for
/// new items — and publishes each item on a topic of a bus.
///
/// ```swift
/// let adapter = try PollingAdapter(
///     source: orders,
///     bus: bus,
///     cursors: try SQLiteCursorStore(path: "adapter.sqlite"),
///     configuration: PollingConfiguration(name: "erp-orders", topic: "purchase-orders")
/// )
/// // Run it beside the bus in a ServiceGroup.
/// ```
///
/// Each poll loads the cursor from the ``CursorStore``, asks the source for the page after it,
/// turns every item into a message whose id is derived from the adapter's name and the item's
/// identity (``PollingConfiguration/messageID(for:)``), publishes the page as one batch through
/// the bus — so its outgoing middleware applies — and only then commits the page's cursor,
/// with compare-and-set. Hence:
///
/// - **Nothing is skipped.** A crash or failure before the commit leaves the cursor where it
///   was, and the next poll reads the page again.
/// - **Duplicates carry the same id.** An item published again — after such a failure, or by
///   two instances that polled the same page at once — is the same message id, which an
///   `IdempotentReceiver` downstream handles once.
/// - **The cursor never moves back.** Of two instances sharing a cursor that publish the same
///   page, one commits; the other's commit fails with ``ChannelAdapterError/Code/cursorConflict``
///   and its next poll continues from the winner's cursor.
/// - **Live instances take turns.** With a ``PollingConfiguration/lease`` (the default), only
///   the instance holding the lease polls; the others stand by until it lapses, so two live
///   instances do not publish the same page.
/// - **A bad page changes nothing.** Every item is made into a message before any is
///   published; a page that cannot be trusted or an item that cannot be encoded fails the poll
///   with a ``ChannelAdapterError`` and leaves the cursor where it was.
///
/// As a `Service`, the adapter polls again at once after a page with items; after an empty poll,
/// or one it stood by for, it waits by ``PollingConfiguration/idleBackoff``, after a failed one
/// by ``PollingConfiguration/failureBackoff``, each growing while the condition lasts. It keeps
/// polling through failures, logging and counting them; when they last — as many polls in a row
/// as ``PollingConfiguration/failuresBeforeNotifying``, or one failure that is not retriable —
/// it raises one `pollingFailed` notification through the bus's notifier, and one
/// `pollingRecovered` once a poll succeeds again. On graceful shutdown it stops between
/// polls, so a page being published is finished first, and gives up its lease.
///
/// Metrics, labelled `adapter`: `channel_adapter_polled_total` (items read),
/// `channel_adapter_published_total` (messages published), `channel_adapter_errors_total`
/// (failed polls, also labelled `reason` with the error's code) and the gauge
/// `channel_adapter_newest_item_age_seconds` (how old the source's newest item was at the last
/// poll that said).
public final class PollingAdapter<Source: PollingSource>: Service, Sendable {
    /// The source the adapter polls.
    public let source: Source
    /// Where the adapter publishes.
    public let bus: Bus
    /// Where the adapter keeps its cursor.
    public let cursors: any CursorStore
    /// The adapter's name, topic and waits.
    public let configuration: PollingConfiguration

    private let logger: Logger
    private let metrics: PollingMetrics
    private let sleep: @Sendable (Duration) async throws -> Void
    private let now: @Sendable () -> Date

    /// Creates an adapter.
    ///
    /// - Parameters:
    ///   - source: The system to poll.
    ///   - bus: The bus to publish on; its outgoing middleware applies to every item.
    ///   - cursors: Where the cursor is kept, under ``PollingConfiguration/name``.
    ///   - configuration: The adapter's name, topic and waits.
    ///   - clock: The clock the waits between polls are measured on. Default: `ContinuousClock`.
    ///   - now: The current time, to measure the age of the newest item. Default: the system's.
    ///   - logger: Where the adapter logs. Default: the bus's logger.
    ///   - metricsFactory: Where the metrics go. Default: the bus's factory.
    /// - Throws: ``ChannelAdapterError/Code/invalidConfiguration`` for an empty name, a name
    ///   holding `/`, or an empty topic.
    public init(
        source: Source,
        bus: Bus,
        cursors: any CursorStore,
        configuration: PollingConfiguration,
        clock: some Clock<Duration> = ContinuousClock(),
        now: @escaping @Sendable () -> Date = Date.init,
        logger: Logger? = nil,
        metricsFactory: (any MetricsFactory)? = nil
    ) throws(ChannelAdapterError) {
        try configuration.validate()
        self.source = source
        self.bus = bus
        self.cursors = cursors
        self.configuration = configuration
        var logger = logger ?? bus.logger
        logger[metadataKey: "adapter"] = "\(configuration.name)"
        self.logger = logger
        self.metrics = PollingMetrics(adapter: configuration.name, factory: metricsFactory ?? bus.metricsFactory)
        self.sleep = { try await clock.sleep(for: $0) }
        self.now = now
    }

    // MARK: - Polling

    /// Polls the source once: takes or renews the lease, loads the cursor, publishes the page
    /// after it, and commits the page's cursor.
    ///
    /// When another instance holds the lease, it does nothing and reports
    /// ``PollReport/stoodBy``.
    ///
    /// - Returns: What the poll read, published and committed.
    /// - Throws: A ``ChannelAdapterError`` — ``ChannelAdapterError/Code/cursorConflict`` when
    ///   another instance moved the cursor meanwhile (the page was published, under the same ids
    ///   as the other instance's), or the failure of the store, the source, the page or the
    ///   bus, after which the cursor is unchanged — or `CancellationError`, as it was thrown.
    public func pollOnce() async throws -> PollReport {
        do {
            return try await poll()
        } catch let error as ChannelAdapterError {
            metrics.failed(error)
            throw error
        }
    }

    private func poll() async throws -> PollReport {
        let name = configuration.name
        if let lease = configuration.lease, try await !acquire(lease) {
            return PollReport(polled: 0, published: 0, previousCursor: nil, cursor: nil, stoodBy: true)
        }
        let cursor = try await storeCall("load", name) { try await cursors.load(name) }
        let page: PolledPage<Source.Item>
        do {
            page = try await source.poll(after: cursor)
        } catch let error as CancellationError {
            throw error
        } catch {
            throw ChannelAdapterError(
                .sourceFailed,
                "Polling after \(Self.describe(cursor)) failed: \(error)",
                isRetriable: (error as? any ClassifiedError)?.isRetriable ?? true,
                adapter: name,
                underlying: error
            )
        }
        metrics.polled.increment(by: Int64(page.items.count))
        if let newest = page.newestItemTime {
            metrics.newestItemAge.record(now().timeIntervalSince(newest))
        }
        let messages = try messages(of: page, after: cursor)
        if !messages.isEmpty {
            do {
                try await bus.publish(messages, to: configuration.topic)
            } catch let error as CancellationError {
                throw error
            } catch {
                throw ChannelAdapterError(
                    .publishFailed,
                    "Publishing \(messages.count) items to '\(configuration.topic)' failed: \(error)",
                    isRetriable: (error as? any ClassifiedError)?.isRetriable ?? true,
                    adapter: name,
                    underlying: error
                )
            }
            metrics.published.increment(by: Int64(messages.count))
        }
        guard let next = page.nextCursor, next != cursor else {
            return PollReport(polled: 0, published: 0, previousCursor: cursor, cursor: cursor)
        }
        try await storeCall("commit", name) { try await cursors.commit(name, expected: cursor, new: next) }
        return PollReport(polled: page.items.count, published: messages.count, previousCursor: cursor, cursor: next)
    }

    /// The messages of the page's items, or the reason the page cannot be published.
    private func messages(of page: PolledPage<Source.Item>, after cursor: String?) throws(ChannelAdapterError)
        -> [Message]
    {
        guard !page.items.isEmpty else { return [] }
        let name = configuration.name
        guard let next = page.nextCursor, next != cursor else {
            throw ChannelAdapterError(
                .invalidPage,
                "The source returned \(page.items.count) items after \(Self.describe(cursor)) but no cursor past them.",
                adapter: name
            )
        }
        var identities = Set<String>()
        var messages: [Message] = []
        messages.reserveCapacity(page.items.count)
        for (index, item) in page.items.enumerated() {
            let identity = item.identity
            guard !identity.isEmpty else {
                throw ChannelAdapterError(
                    .invalidPage,
                    "Item \(index) of the page has an empty identity.",
                    adapter: name
                )
            }
            guard identities.insert(identity).inserted else {
                throw ChannelAdapterError(
                    .invalidPage,
                    "The page holds item '\(identity)' twice; an item that changed needs an identity per version.",
                    adapter: name,
                    item: identity
                )
            }
            var message: Message
            do {
                message = try item.message()
            } catch {
                throw ChannelAdapterError(
                    .invalidItem,
                    "Item '\(identity)' cannot be made into a message: \(error)",
                    adapter: name,
                    item: identity,
                    underlying: error
                )
            }
            message.id = configuration.messageID(for: identity)
            message.subject = message.subject ?? identity
            message.key = message.key ?? identity
            messages.append(message)
        }
        return messages
    }

    // MARK: - Lease

    /// Takes or renews the lease for `duration` from now, unless another instance holds it.
    ///
    /// - Returns: Whether this instance holds the lease.
    private func acquire(_ duration: Duration) async throws -> Bool {
        let leaseName = configuration.leaseName
        let recorded = try await storeCall("load", leaseName) { try await cursors.load(leaseName) }
        let now = now()
        if let holder = recorded.flatMap(PollingLease.init), holder.excludes(configuration.instance, at: now) {
            return false
        }
        let renewed = PollingLease(
            instance: configuration.instance,
            expiry: now.addingTimeInterval(duration / .seconds(1))
        )
        do {
            try await storeCall("commit", leaseName) {
                try await cursors.commit(leaseName, expected: recorded, new: renewed.text)
            }
            return true
        } catch let error as ChannelAdapterError where error.code == .cursorConflict {
            return false
        }
    }

    /// Gives the lease up, if this instance holds it, so another takes over without waiting for
    /// it to lapse.
    private func releaseLease() async {
        guard configuration.lease != nil else { return }
        let leaseName = configuration.leaseName
        guard let recorded = try? await cursors.load(leaseName),
            PollingLease(recorded)?.instance == configuration.instance
        else { return }
        let lapsed = PollingLease(instance: configuration.instance, expiry: Date(timeIntervalSince1970: 0))
        do {
            try await cursors.commit(leaseName, expected: recorded, new: lapsed.text)
        } catch {
            logger.notice("Could not give up the lease; it lapses on its own", metadata: ["error": "\(error)"])
        }
    }

    /// The cursor, as a sentence names it.
    private static func describe(_ cursor: String?) -> String {
        cursor.map { "cursor '\($0)'" } ?? "the beginning"
    }

    /// Runs a store operation, wrapping what is not already a ``ChannelAdapterError``.
    private func storeCall<Result>(
        _ operation: String,
        _ cursor: String,
        _ body: () async throws -> Result
    ) async throws -> Result {
        do {
            return try await body()
        } catch let error as ChannelAdapterError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch {
            throw ChannelAdapterError(
                .storeFailed,
                "The cursor store failed to \(operation) cursor '\(cursor)': \(error)",
                isRetriable: true,
                adapter: configuration.name,
                underlying: error
            )
        }
    }

    // MARK: - Service

    /// Polls until graceful shutdown or cancellation, waiting between polls as configured.
    ///
    /// - Throws: `CancellationError` when cancelled other than by graceful shutdown; never
    ///   the failures of polls, which it logs, counts and waits out.
    public func run() async throws {
        var emptyPolls = 0
        var failedPolls = 0
        var notifiedFailure = false
        logger.info("Polling adapter started", metadata: ["topic": "\(configuration.topic)"])
        while !Task.isShuttingDownGracefully {
            let delay: Duration
            do {
                let report = try await pollOnce()
                // Standing by for another instance says nothing about the source.
                if notifiedFailure, !report.stoodBy {
                    await notifyRecovery(after: failedPolls)
                    notifiedFailure = false
                }
                failedPolls = 0
                if report.polled > 0 {
                    emptyPolls = 0
                    delay = .zero
                } else {
                    // Nothing to read, or another instance reads it: wait alike.
                    emptyPolls += 1
                    delay = configuration.idleBackoff.delay(after: emptyPolls)
                }
            } catch let error as CancellationError {
                throw error
            } catch let error as ChannelAdapterError where error.code == .cursorConflict {
                logger.notice("Another instance moved the cursor; continuing from it", metadata: ["error": "\(error)"])
                delay = .zero
            } catch {
                failedPolls += 1
                delay = configuration.failureBackoff.delay(after: failedPolls)
                logger.warning(
                    "Poll failed; polling again later",
                    metadata: ["error": "\(error)", "failures": "\(failedPolls)", "delay": "\(delay)"]
                )
                let retriable = (error as? any ClassifiedError)?.isRetriable ?? true
                if !notifiedFailure, failedPolls >= configuration.failuresBeforeNotifying || !retriable {
                    await notifyFailure(error, after: failedPolls)
                    notifiedFailure = true
                }
            }
            do {
                if delay > .zero {
                    try await cancelWhenGracefulShutdown { try await self.sleep(delay) }
                } else {
                    try Task.checkCancellation()
                    await Task.yield()
                }
            } catch is CancellationError where Task.isShuttingDownGracefully {
                break
            }
        }
        await releaseLease()
        logger.info("Polling adapter stopped")
    }

    private func notifyFailure(_ error: any Error, after failures: Int) async {
        let code = (error as? ChannelAdapterError)?.codeName
        await bus.notify(
            BusNotification(
                kind: .pollingFailed,
                summary: "Polling adapter '\(configuration.name)' failed \(failures) polls in a row: \(error)",
                topic: configuration.topic,
                handler: configuration.name,
                reason: code,
                error: "\(error)",
                attempts: failures,
                instance: configuration.instance,
                time: now()
            )
        )
    }

    private func notifyRecovery(after failures: Int) async {
        await bus.notify(
            BusNotification(
                kind: .pollingRecovered,
                summary: "Polling adapter '\(configuration.name)' polled again after \(failures) failed polls.",
                topic: configuration.topic,
                handler: configuration.name,
                attempts: failures,
                instance: configuration.instance,
                time: now()
            )
        )
    }
}

/// The metrics of one adapter.
private struct PollingMetrics: Sendable {
    let adapter: String
    let factory: any MetricsFactory
    let polled: Counter
    let published: Counter
    let newestItemAge: Gauge

    init(adapter: String, factory: any MetricsFactory) {
        self.adapter = adapter
        self.factory = factory
        let dimensions = [("adapter", adapter)]
        polled = Counter(label: "channel_adapter_polled_total", dimensions: dimensions, factory: factory)
        published = Counter(label: "channel_adapter_published_total", dimensions: dimensions, factory: factory)
        newestItemAge = Gauge(
            label: "channel_adapter_newest_item_age_seconds",
            dimensions: dimensions,
            factory: factory
        )
    }

    func failed(_ error: ChannelAdapterError) {
        Counter(
            label: "channel_adapter_errors_total",
            dimensions: [("adapter", adapter), ("reason", error.codeName)],
            factory: factory
        ).increment()
    }
}
