import Logging
import Messaging
import Metrics
import ServiceLifecycle
import Synchronization
import Tracing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Runs message handlers on a transport: the Message Bus that applications share instead of
/// depending on each other.
///
/// Register handlers, add the bus to a `ServiceGroup` (or call ``run()``), and publish:
///
/// ```swift
/// let bus = Bus(transport: transport, middleware: [DeadLetterChannel(topic: "orders.dead"), Retry()])
/// try bus.handle(OrderPlaced.self, from: "orders", group: "inventory") { order, context in
///     try await stock.reserve(order.product, order.quantity)
///     return [try OutgoingMessage(StockReserved(orderID: order.orderID), to: "stock")]
/// }
/// ```
///
/// Each handler is one member of its consumer group: every group receives every message, and
/// buses that register the same group (instances of one application) share the group's
/// messages. A handler runs concurrently across partitions, up to
/// ``HandlerOptions/concurrency``, and in order within a partition, so in order per key.
///
/// For each message the bus runs the middleware chain and the handler, publishes what the handler
/// returned, runs the ``HandlerContext/onSuccess(_:)`` actions, and then acknowledges. If anything
/// throws, the bus rejects the message and the transport delivers it again — up to
/// ``HandlerOptions/maximumDeliveries`` times (5 by default), after which the bus sets the
/// message aside on the topic `<topic>.dead` so that its partition moves on.
///
/// Every message the bus sends — with ``publish(_:to:)-([Message],_)``, as a handler's output, or
/// through ``HandlerContext/publish(_:to:)-([Message],_)`` — passes its outgoing pipeline: the
/// bus's stamping and counting links, then the ``OutgoingMiddleware`` it was given, then the
/// transport.
///
/// On graceful shutdown the bus stops taking messages, lets running handlers finish and
/// acknowledge, and then leaves its consumer groups. Messages it had received but not started
/// go back to the transport unacknowledged, for the next member. A handler that stops waiting
/// when graceful shutdown begins (through `cancelWhenGracefulShutdown`) and throws a
/// `CancellationError` has its message go back the same way: no failure is recorded, no
/// notification raised and nothing dead-lettered.
public final class Bus: Service, Sendable {
    /// How one handler consumes its topic.
    public struct HandlerOptions: Sendable {
        /// How many messages the handler may handle at once, each from a different partition.
        /// Default: 4. A handler with a concurrency of 1 handles its messages one after another,
        /// in the order the transport delivers them, on the task that receives them: the fastest
        /// choice when one handling keeps up with the topic.
        public var concurrency: Int {
            get { storedConcurrency }
            set { storedConcurrency = max(1, newValue) }
        }

        /// The handler's subscription. Default: `SubscriptionOptions()`, whose new group starts
        /// at the earliest retained message.
        public var subscription: SubscriptionOptions

        /// How many times the transport may deliver a message whose handling keeps failing
        /// before the bus sets it aside; `nil` to deliver it again for as long as it fails.
        /// Default: ``defaultMaximumDeliveries``.
        ///
        /// A failure that reaches the bus — no ``DeadLetterChannel`` caught it — rejects the
        /// message for redelivery. On its last allowed delivery the bus instead publishes it to
        /// the topic `<topic>.dead`, with the same headers a ``DeadLetterChannel`` adds (the
        /// attempt count being the number of deliveries), logs a warning, notifies its
        /// notifier with ``BusNotification/Kind/deadLettered``, and acknowledges it, so the
        /// partition moves on. A handling that failed because the bus itself was cancelled is
        /// rejected as usual. Values below 1 are raised to 1.
        ///
        /// With `nil` a message that can never succeed comes back for ever and holds up every
        /// later message of its partition.
        public var maximumDeliveries: Int? {
            get { storedMaximumDeliveries }
            set { storedMaximumDeliveries = newValue.map { max(1, $0) } }
        }

        /// The number of deliveries after which a bus sets a failing message aside unless told
        /// otherwise: 5.
        public static let defaultMaximumDeliveries = 5

        private var storedConcurrency: Int
        private var storedMaximumDeliveries: Int?

        /// Creates options.
        ///
        /// - Parameters:
        ///   - concurrency: How many messages the handler may handle at once. Default: 4.
        ///   - subscription: The handler's subscription. Default: `SubscriptionOptions()`.
        ///   - maximumDeliveries: How many times a failing message is delivered before the bus
        ///     sets it aside on `<topic>.dead`; `nil` for no limit. Default:
        ///     ``defaultMaximumDeliveries``.
        public init(
            concurrency: Int = 4,
            subscription: SubscriptionOptions = SubscriptionOptions(),
            maximumDeliveries: Int? = defaultMaximumDeliveries
        ) {
            self.storedConcurrency = max(1, concurrency)
            self.subscription = subscription
            self.storedMaximumDeliveries = maximumDeliveries.map { max(1, $0) }
        }
    }

    struct Registration {
        let name: String
        let topic: String
        let group: String
        let options: HandlerOptions
        let middleware: [any MessageMiddleware]
        let handler: any MessageHandler
    }

    private enum Phase {
        case configuring
        case running
        case finished
    }

    private struct State {
        var phase = Phase.configuring
        var middleware: [any MessageMiddleware]
        var outgoing: [any OutgoingMiddleware]
        /// The outgoing chain: the bus's own links, the outgoing middleware, then the transport.
        var outgoingChain: NextPublisher
        var registrations: [Registration] = []
        var subscribed = 0
    }

    /// The application's name. Messages the bus publishes with the default source get the
    /// source `/<name>` instead.
    public let name: String
    /// The transport the bus runs on.
    public let transport: any MessageTransport
    /// The logger of the bus; each handler's logger is made from it.
    public let logger: Logger
    /// Where the bus's metrics go; middleware of other modules creates its metrics here too.
    public let metricsFactory: any MetricsFactory
    /// Where the bus's spans go.
    public let tracer: any Tracer
    let notifier: (any Notifier)?

    private let state: Mutex<State>
    private let running = Gate()

    /// Creates a bus.
    ///
    /// - Parameters:
    ///   - transport: Where messages travel.
    ///   - name: The application's name. Default: the process name.
    ///   - middleware: Middleware around every handler, outermost first.
    ///   - outgoing: Outgoing middleware every message the bus sends passes through, in order,
    ///     after the bus's own stamping and counting links. Default: none.
    ///   - logger: The logger for the bus and its handlers. Default: label `MessageBus`.
    ///   - metricsFactory: Where metrics go. Default: the bootstrapped `MetricsSystem`.
    ///   - tracer: Where spans go. Default: the bootstrapped `InstrumentationSystem` tracer.
    ///   - notifier: Who hears about messages that failed or were dead-lettered. Default: nobody.
    public init(
        transport: any MessageTransport,
        name: String = ProcessInfo.processInfo.processName,
        middleware: [any MessageMiddleware] = [],
        outgoing: [any OutgoingMiddleware] = [],
        logger: Logger = Logger(label: "MessageBus"),
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        tracer: (any Tracer)? = nil,
        notifier: (any Notifier)? = nil
    ) {
        self.transport = transport
        self.name = name
        self.logger = logger
        self.metricsFactory = metricsFactory
        let tracer = tracer ?? InstrumentationSystem.tracer
        self.tracer = tracer
        self.notifier = notifier
        let chain = Self.outgoingChain(
            outgoing,
            source: "/" + name,
            tracer: tracer,
            factory: metricsFactory,
            transport: transport
        )
        self.state = Mutex(State(middleware: middleware, outgoing: outgoing, outgoingChain: chain))
    }

    /// The bus's own links, then `links`, then `transport`.
    private static func outgoingChain(
        _ links: [any OutgoingMiddleware],
        source: String,
        tracer: any Tracer,
        factory: any MetricsFactory,
        transport: any MessageTransport
    ) -> NextPublisher {
        let own: [any OutgoingMiddleware] = [
            ConversationStamp(source: source, tracer: tracer), PublishedCounter(factory: factory),
        ]
        return (own + links).chained { messages, topic, _ in
            try await transport.publish(messages, to: topic)
            return messages
        }
    }

    // MARK: - Configuring

    /// Adds middleware around every handler, inside the middleware added before it.
    ///
    /// - Throws: ``MessageBusError/Code/invalidConfiguration`` once the bus is running.
    public func use(_ middleware: any MessageMiddleware) throws(MessageBusError) {
        try state.withLock { state throws(MessageBusError) in
            try Self.requireConfiguring(state, to: "add middleware")
            state.middleware.append(middleware)
        }
    }

    /// Adds a link to the outgoing pipeline, after the links added before it and before the
    /// transport.
    ///
    /// - Throws: ``MessageBusError/Code/invalidConfiguration`` once the bus is running.
    public func use(outgoing middleware: any OutgoingMiddleware) throws(MessageBusError) {
        try state.withLock { state throws(MessageBusError) in
            try Self.requireConfiguring(state, to: "add outgoing middleware")
            state.outgoing.append(middleware)
            // One chain for all the links, so that the stamping and counting links are not doubled.
            state.outgoingChain = Self.outgoingChain(
                state.outgoing,
                source: "/" + name,
                tracer: tracer,
                factory: metricsFactory,
                transport: transport
            )
        }
    }

    /// Registers `handler` for the messages of `topic`, as a member of consumer group `group`.
    ///
    /// - Parameters:
    ///   - topic: The topic to consume.
    ///   - group: The consumer group: the application the handler belongs to.
    ///   - name: The handler's name in logs, metrics and dead letters; unique in this bus.
    ///     Default: `group`.
    ///   - options: Concurrency and subscription options.
    ///   - middleware: Middleware around this handler only, inside the bus's middleware.
    ///   - handler: The handler.
    /// - Throws: ``MessageBusError/Code/invalidConfiguration`` for an invalid topic or group name,
    ///   a name already registered, or a bus that is already running.
    public func handle(
        from topic: String,
        group: String,
        name: String? = nil,
        options: HandlerOptions = HandlerOptions(),
        middleware: [any MessageMiddleware] = [],
        handler: some MessageHandler
    ) throws(MessageBusError) {
        let name = name ?? group
        do {
            try TopicName.validate(topic)
            try GroupName.validate(group)
        } catch {
            throw MessageBusError(
                .invalidConfiguration,
                "Cannot register handler '\(name)': \(error.reason)",
                underlying: error
            )
        }
        try state.withLock { state throws(MessageBusError) in
            try Self.requireConfiguring(state, to: "register handler '\(name)'")
            if state.registrations.contains(where: { $0.name == name }) {
                throw MessageBusError(
                    .invalidConfiguration,
                    "A handler named '\(name)' is already registered; pass a different name."
                )
            }
            state.registrations.append(
                Registration(
                    name: name,
                    topic: topic,
                    group: group,
                    options: options,
                    middleware: middleware,
                    handler: handler
                )
            )
        }
    }

    /// Registers a closure as the handler of `topic` for consumer group `group`.
    ///
    /// See ``handle(from:group:name:options:middleware:handler:)``.
    public func handle(
        from topic: String,
        group: String,
        name: String? = nil,
        options: HandlerOptions = HandlerOptions(),
        middleware: [any MessageMiddleware] = [],
        _ body: @escaping NextHandler
    ) throws(MessageBusError) {
        try handle(
            from: topic,
            group: group,
            name: name,
            options: options,
            middleware: middleware,
            handler: ClosureHandler(body: body)
        )
    }

    /// Registers a handler that receives each message decoded as `Value`.
    ///
    /// A payload that does not decode fails with ``MessageBusError/Code/decodingFailed``, which
    /// is not retriable: with a ``DeadLetterChannel`` it goes straight to the dead-letter topic,
    /// with the field that was wrong in the `dead-letter-error` header.
    ///
    /// See ``handle(from:group:name:options:middleware:handler:)``.
    public func handle<Value: Decodable & Sendable>(
        _ type: Value.Type,
        from topic: String,
        group: String,
        name: String? = nil,
        options: HandlerOptions = HandlerOptions(),
        middleware: [any MessageMiddleware] = [],
        codec: some MessageCodec = .json,
        _ body: nonisolated(nonsending) @escaping @Sendable (Value, HandlerContext) async throws -> [OutgoingMessage]
    ) throws(MessageBusError) {
        let decoding: NextHandler = { message, context in
            let value: Value
            do throws(MessagingError) {
                value = try message.decode(Value.self, codec: codec)
            } catch {
                throw MessageBusError(.decodingFailed, error.reason, isRetriable: false, underlying: error)
            }
            return try await body(value, context)
        }
        try handle(
            from: topic,
            group: group,
            name: name,
            options: options,
            middleware: middleware,
            handler: ClosureHandler(body: decoding)
        )
    }

    /// Registers a closure that returns nothing as the handler of `topic` for consumer group
    /// `group`: a consumer whose only effects are its own (a database, a call), or which
    /// publishes through its context.
    ///
    /// A separate name rather than an overload of `handle`: with both, a closure of one
    /// expression that returns messages would compile as a closure returning nothing and drop
    /// them, or a closure of several statements that returns nothing would fail to compile
    /// against the overload returning messages, depending on which overload the compiler
    /// prefers.
    ///
    /// See ``handle(from:group:name:options:middleware:handler:)``.
    public func consume(
        from topic: String,
        group: String,
        name: String? = nil,
        options: HandlerOptions = HandlerOptions(),
        middleware: [any MessageMiddleware] = [],
        _ body: nonisolated(nonsending) @escaping @Sendable (Message, HandlerContext) async throws -> Void
    ) throws(MessageBusError) {
        try handle(from: topic, group: group, name: name, options: options, middleware: middleware) {
            message,
            context in
            try await body(message, context)
            return []
        }
    }

    /// Registers a closure that receives each message decoded as `Value` and returns nothing.
    ///
    /// See ``consume(from:group:name:options:middleware:_:)`` and
    /// ``handle(_:from:group:name:options:middleware:codec:_:)``.
    public func consume<Value: Decodable & Sendable>(
        _ type: Value.Type,
        from topic: String,
        group: String,
        name: String? = nil,
        options: HandlerOptions = HandlerOptions(),
        middleware: [any MessageMiddleware] = [],
        codec: some MessageCodec = .json,
        _ body: nonisolated(nonsending) @escaping @Sendable (Value, HandlerContext) async throws -> Void
    ) throws(MessageBusError) {
        try handle(
            type,
            from: topic,
            group: group,
            name: name,
            options: options,
            middleware: middleware,
            codec: codec
        ) { value, context in
            try await body(value, context)
            return []
        }
    }

    private static func requireConfiguring(_ state: State, to action: String) throws(MessageBusError) {
        guard case .configuring = state.phase else {
            throw MessageBusError(.invalidConfiguration, "Cannot \(action): the bus has already started.")
        }
    }

    // MARK: - Running

    /// Subscribes every handler and handles messages until graceful shutdown or cancellation.
    ///
    /// - Throws: The first error a subscription fails with, or
    ///   ``MessageBusError/Code/invalidConfiguration`` if the bus was already started.
    public func run() async throws {
        let runners = try state.withLock { state throws(MessageBusError) in
            try Self.requireConfiguring(state, to: "run")
            state.phase = .running
            return state.registrations.map { registration in
                HandlerRunner(bus: self, registration: registration, chain: state.middleware + registration.middleware)
            }
        }
        do {
            if runners.isEmpty {
                running.open()
                try await gracefulShutdown()
            } else {
                try await withGracefulShutdownHandler {
                    try await withThrowingDiscardingTaskGroup { group in
                        for runner in runners {
                            group.addTask { try await runner.run() }
                        }
                    }
                } onGracefulShutdown: {
                    for runner in runners {
                        runner.requestStop()
                    }
                }
            }
            finish(nil)
        } catch {
            finish(error)
            throw error
        }
    }

    /// Returns once every handler has subscribed, so messages published from now on reach them.
    ///
    /// - Throws: What ``run()`` failed with, if it failed first; ``MessageBusError/Code/notRunning``
    ///   if the bus stopped first.
    public func waitUntilRunning() async throws {
        try await running.wait()
    }

    func handlerSubscribed() {
        let all = state.withLock { state in
            state.subscribed += 1
            return state.subscribed == state.registrations.count
        }
        if all {
            running.open()
        }
    }

    private func finish(_ error: (any Error)?) {
        state.withLock { $0.phase = .finished }
        running.fail(
            error ?? MessageBusError(.notRunning, "The bus '\(name)' stopped before all its handlers subscribed.")
        )
    }

    // MARK: - Publishing

    /// Publishes `messages` to `topic` as one batch, through the outgoing pipeline, and returns
    /// them as published.
    ///
    /// Each message without a correlation id starts a conversation: its correlation id is its own
    /// id. The current trace context is written into its headers (W3C `traceparent` with a
    /// W3C-propagating tracer), inside a producer span. Then the ``OutgoingMiddleware`` links run,
    /// and the transport publishes the batch.
    @discardableResult
    public func publish(_ messages: [Message], to topic: String) async throws -> [Message] {
        let span = tracer.startSpan("\(topic) publish", context: ServiceContext.current ?? .topLevel, ofKind: .producer)
        defer { span.end() }
        if span.isRecording {
            span.attributes["messaging.destination.name"] = topic
            span.attributes["messaging.batch.message_count"] = messages.count
        }
        do {
            return try await send(
                messages,
                to: topic,
                context: OutgoingContext(bus: self, handling: nil, serviceContext: span.context)
            )
        } catch {
            span.recordError(error)
            throw error
        }
    }

    /// Publishes `message` to `topic` and returns it as published.
    ///
    /// See ``publish(_:to:)-([Message],_)``.
    @discardableResult
    public func publish(_ message: Message, to topic: String) async throws -> Message {
        try await publish([message], to: topic)[0]
    }

    /// Publishes a typed message to `topic` and returns it as published; see ``BusMessage``.
    @discardableResult
    public func publish<Value: BusMessage>(
        _ value: Value,
        to topic: String,
        codec: some MessageCodec = .json
    ) async throws -> Message {
        try await publish(Message(value, codec: codec), to: topic)
    }

    /// Publishes what a handler produced, grouped into one batch per topic, through the
    /// outgoing pipeline.
    nonisolated(nonsending) func publish(_ outgoing: [OutgoingMessage], producedBy context: HandlerContext) async throws
    {
        guard !outgoing.isEmpty else { return }
        var topics: [String] = []
        var batches: [String: [Message]] = [:]
        for item in outgoing {
            if batches[item.topic] == nil {
                topics.append(item.topic)
            }
            batches[item.topic, default: []].append(item.message)
        }
        let sending = OutgoingContext(bus: self, handling: context, serviceContext: context.serviceContext)
        for topic in topics {
            _ = try await send(batches[topic]!, to: topic, context: sending)
        }
    }

    /// Sends one batch through the outgoing pipeline, and returns it as sent.
    nonisolated(nonsending) func send(_ batch: [Message], to topic: String, context: OutgoingContext) async throws
        -> [Message]
    {
        let chain = state.withLock { $0.outgoingChain }
        return try await chain(batch, topic, context)
    }

    // MARK: - Notifying

    /// Tells the bus's notifier about `notification`; does nothing if the bus has none.
    ///
    /// A notifier that fails is logged, and changes nothing else. Inside a handling, prefer
    /// ``HandlerContext/notify(_:)``, which logs with the handling's metadata.
    nonisolated(nonsending) public func notify(_ notification: BusNotification) async {
        await notify(notification, logger: logger)
    }

    nonisolated(nonsending) func notify(_ notification: BusNotification, logger: Logger) async {
        guard let notifier else { return }
        do {
            try await notifier.notify(notification)
        } catch {
            logger.error("Could not notify administrators", metadata: ["error": "\(error)"])
        }
    }
}
