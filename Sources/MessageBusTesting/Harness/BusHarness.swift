import InMemoryTransport
import Logging
import MessageBus
import Messaging
import Metrics
import Synchronization
import Tracing

/// A bus on an in-memory transport that captures what it publishes and notifies, for testing an
/// application's handlers without a server.
///
/// Register handlers on ``bus`` as the application does, then run the bus around the test:
///
/// ```swift
/// let harness = BusHarness(middleware: [IdempotentReceiver(store: InMemoryIdempotencyStore())])
/// try harness.bus.handle(OrderPlaced.self, from: "orders", group: "billing") { order, context in
///     [try OutgoingMessage(InvoiceIssued(orderID: order.orderID), to: "invoices")]
/// }
/// try await harness.run {
///     try await harness.transport.publish(try Message(OrderPlaced(orderID: "123458")), to: "orders")
///     try await harness.waitUntilHandled("orders", group: "billing")
/// }
/// #expect(harness.published(to: "invoices").count == 1)
/// ```
///
/// The bus sends everything through its outgoing pipeline; the harness's capturing link is the
/// pipeline's last, so ``published`` holds the messages as the transport received them. The
/// bus's notifier is the harness, so ``notifications`` holds every notification raised.
public final class BusHarness: Sendable {
    /// A message the bus published, and the topic it went to.
    public struct Publication: Sendable {
        /// The topic the message was published to.
        public let topic: String
        /// The message, as the transport received it.
        public let message: Message
    }

    /// The broker behind ``transport``; its snapshots show each group's progress.
    public let broker: InMemoryBroker
    /// The transport the bus runs on, also for publishing as another application would.
    public let transport: InMemoryTransport
    /// The bus under test.
    public let bus: Bus

    private let capture: Capture

    /// Creates a bus on a new in-memory transport.
    ///
    /// - Parameters:
    ///   - broker: The broker the transport uses. Default: a new one.
    ///   - name: The application's name. Default: `test`.
    ///   - middleware: Middleware around every handler, outermost first. Default: none.
    ///   - outgoing: Outgoing middleware, as `Bus` takes it; the harness's capturing link follows
    ///     them. Default: none.
    ///   - logger: The bus's logger. Default: label `MessageBusTesting`.
    ///   - metricsFactory: Where metrics go. Default: the bootstrapped `MetricsSystem`.
    ///   - tracer: Where spans go. Default: the bootstrapped `InstrumentationSystem` tracer.
    public init(
        broker: InMemoryBroker = InMemoryBroker(),
        name: String = "test",
        middleware: [any MessageMiddleware] = [],
        outgoing: [any OutgoingMiddleware] = [],
        logger: Logger = Logger(label: "MessageBusTesting"),
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        tracer: (any Tracer)? = nil
    ) {
        let capture = Capture()
        self.broker = broker
        self.transport = InMemoryTransport(broker: broker)
        self.bus = Bus(
            transport: transport,
            name: name,
            middleware: middleware,
            outgoing: outgoing + [capture],
            logger: logger,
            metricsFactory: metricsFactory,
            tracer: tracer,
            notifier: capture
        )
        self.capture = capture
    }

    // MARK: - Running

    /// Runs the transport and the bus around `body`, which starts once the bus is running; then
    /// shuts them down gracefully, the bus first, and returns what `body` returned.
    ///
    /// - Throws: The error `body`, the bus or the transport threw.
    public func run<Result>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Result
    ) async throws -> Result {
        try await withRunningServices([transport, bus], logger: bus.logger) {
            try await bus.waitUntilRunning()
            return try await body()
        }
    }

    // MARK: - Waiting

    /// Returns once `group` has settled every message published to `topic` so far.
    ///
    /// A message counts as settled once the bus acknowledged it (handled, skipped as a
    /// duplicate, or set aside as a dead letter); one the bus rejected for redelivery is not.
    ///
    /// - Throws: ``BusHarnessFailure`` if some are still unsettled after `timeout` (default: 60
    ///   seconds, so that only a hang fails on a loaded machine).
    public func waitUntilHandled(
        _ topic: String,
        group: String,
        timeout: Duration = .seconds(60),
        file: String = #fileID,
        line: Int = #line
    ) async throws {
        try await waitUntil(
            "'\(group)' has handled every message of '\(topic)'",
            timeout: timeout,
            file: file,
            line: line
        ) {
            broker.snapshot(of: topic).map { $0.lag(of: group) == 0 } ?? false
        }
    }

    /// Returns once `condition` holds, checking it at once, then at intervals growing from a
    /// millisecond to 50.
    ///
    /// - Throws: ``BusHarnessFailure`` if it still does not hold after `timeout` (default: 60
    ///   seconds, so that only a hang fails on a loaded machine).
    public func waitUntil(
        _ what: String,
        timeout: Duration = .seconds(60),
        file: String = #fileID,
        line: Int = #line,
        _ condition: () -> Bool
    ) async throws {
        guard try await Messaging.waitUntil(timeout: timeout, condition) else {
            throw BusHarnessFailure(reason: "timed out after \(timeout) waiting until \(what)", file: file, line: line)
        }
    }

    // MARK: - Captured

    /// Every message the bus published, in the order the transport accepted them.
    public var published: [Publication] {
        capture.publications
    }

    /// The messages the bus published to `topic`, in order.
    public func published(to topic: String) -> [Message] {
        capture.publications.filter { $0.topic == topic }.map(\.message)
    }

    /// Every notification the bus's notifier was given, in order.
    public var notifications: [BusNotification] {
        capture.notifications
    }
}

/// A wait of a ``BusHarness`` that ran out of time: what it waited for, and the test's file and line.
public struct BusHarnessFailure: Error, Sendable, CustomStringConvertible {
    /// What did not happen in time.
    public let reason: String
    /// The test's source file that waited.
    public let file: String
    /// The test's source line that waited.
    public let line: Int

    /// The reason and the test's file and line.
    public var description: String {
        "\(reason) [\(file):\(line)]"
    }
}

/// The harness's notifier and last outgoing link: keeps what passes.
private final class Capture: Notifier, OutgoingMiddleware {
    private struct Captured {
        var publications: [BusHarness.Publication] = []
        var notifications: [BusNotification] = []
    }

    private let captured = Mutex(Captured())

    var publications: [BusHarness.Publication] {
        captured.withLock { $0.publications }
    }

    var notifications: [BusNotification] {
        captured.withLock { $0.notifications }
    }

    func notify(_ notification: BusNotification) async throws {
        captured.withLock { $0.notifications.append(notification) }
    }

    nonisolated(nonsending) func publish(
        _ messages: [Message],
        to topic: String,
        context: OutgoingContext,
        next: NextPublisher
    ) async throws -> [Message] {
        let sent = try await next(messages, topic, context)
        captured.withLock { captured in
            captured.publications += sent.map { BusHarness.Publication(topic: topic, message: $0) }
        }
        return sent
    }
}
