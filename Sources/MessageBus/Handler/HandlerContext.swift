import Logging
import Messaging
import Metrics
import Synchronization
import Tracing

/// What a handler and its middleware know about the message being handled.
public struct HandlerContext: Sendable {
    /// The handler's name, unique within its bus.
    public let handler: String
    /// The topic the message was read from.
    public var topic: String { delivery.topic }
    /// The handler's consumer group.
    public var group: String { delivery.group }
    /// The delivery being handled: the message as it arrived, its partition, offset and attempt.
    public let delivery: Delivery
    /// A logger whose metadata names the message id, correlation id, topic, group and handler.
    ///
    /// The message's metadata is set on the first use of the logger in a handling, so a handling
    /// that logs nothing does not pay for it: some log handlers render their metadata whenever
    /// it changes (`StreamLogHandler` formats it into one string).
    public var logger: Logger {
        get { messageLogger.logger(for: delivery.message) }
        set { messageLogger = MessageLogger(newValue) }
    }
    /// The tracing context of the handler's span; messages published with it continue the trace.
    public var serviceContext: ServiceContext

    /// The bus's metrics factory, where middleware creates its own metrics.
    public var metricsFactory: any MetricsFactory {
        bus.metricsFactory
    }

    /// The conversation the handled message belongs to: its `correlation-id` header, or its id
    /// if it starts one. Copied into every message the handler produces.
    public var correlationID: String {
        delivery.message.correlationID ?? delivery.message.id
    }

    /// The bus running the handler, whose outgoing pipeline ``publish(_:to:)-([Message],_)`` uses.
    let bus: Bus
    let metrics: HandlerMetrics
    let completion: CompletionActions
    private var messageLogger: MessageLogger

    init(
        handler: String,
        delivery: Delivery,
        logger: Logger,
        serviceContext: ServiceContext,
        bus: Bus,
        metrics: HandlerMetrics,
        completion: CompletionActions
    ) {
        self.handler = handler
        self.delivery = delivery
        self.messageLogger = MessageLogger(handlerLogger: logger)
        self.serviceContext = serviceContext
        self.bus = bus
        self.metrics = metrics
        self.completion = completion
    }

    /// Publishes `messages` to `topic` as one batch now, before the handler returns, through the
    /// bus's outgoing pipeline, and returns them as published.
    ///
    /// They are stamped as the messages the handler returns are: with the handled message's
    /// correlation id, its id as causation id, and the handler's trace context; then the bus's
    /// outgoing middleware runs and the published counter counts them. Middleware that must
    /// send before the handler returns — a ``DeadLetterChannel``, a ``WireTap`` — publishes
    /// this way. A handler should rather return its messages: the bus publishes those only once
    /// the handler succeeded.
    @discardableResult
    nonisolated(nonsending) public func publish(_ messages: [Message], to topic: String) async throws -> [Message] {
        try await bus.send(
            messages,
            to: topic,
            context: OutgoingContext(bus: bus, handling: self, serviceContext: serviceContext)
        )
    }

    /// Publishes `message` to `topic` now, through the bus's outgoing pipeline, and returns it
    /// as published.
    ///
    /// See ``publish(_:to:)-([Message],_)``.
    @discardableResult
    nonisolated(nonsending) public func publish(_ message: Message, to topic: String) async throws -> Message {
        try await publish([message], to: topic)[0]
    }

    /// Publishes a typed message to `topic` now, through the bus's outgoing pipeline, and
    /// returns it as published; see ``BusMessage``.
    @discardableResult
    nonisolated(nonsending) public func publish<Value: BusMessage>(
        _ value: Value,
        to topic: String,
        codec: some MessageCodec = .json
    ) async throws -> Message {
        try await publish(Message(value, codec: codec), to: topic)
    }

    /// Tells the bus's notifier about `notification`, such as an invalid message or a security
    /// violation a middleware found; does nothing if the bus has no notifier.
    ///
    /// ``BusNotification/init(_:summary:context:error:)`` fills in what the context knows. A
    /// notifier that fails is logged, and changes nothing else.
    nonisolated(nonsending) public func notify(_ notification: BusNotification) async {
        await bus.notify(notification, logger: logger)
    }

    /// A reply to the handled message, addressed to its `reply-to` topic; see ``Requester``.
    ///
    /// - Throws: ``MessageBusError/Code/noReturnAddress`` when the message carries no `reply-to` header.
    public func reply(_ message: Message) throws(MessageBusError) -> OutgoingMessage {
        guard let replyTo = delivery.message.replyTo, !replyTo.isEmpty else {
            var error = MessageBusError(
                .noReturnAddress,
                "Message \(delivery.message.id) asks for no reply: it has no '\(MessageHeader.replyTo)' header."
            )
            error.handler = handler
            error.topic = topic
            error.group = group
            error.messageID = delivery.message.id
            throw error
        }
        return OutgoingMessage(message, to: replyTo)
    }

    /// A typed reply to the handled message, addressed to its `reply-to` topic.
    public func reply<Value: BusMessage>(_ value: Value, codec: some MessageCodec = .json) throws -> OutgoingMessage {
        try reply(Message(value, codec: codec))
    }

    /// Runs `action` once the handler's outgoing messages are published and before the handled
    /// message is acknowledged. If `action` throws, the message is rejected and handled again.
    ///
    /// ``IdempotentReceiver`` records processed messages at this point too, after every action
    /// registered here, so a message whose output was never published, or one of whose actions
    /// failed, is not mistaken for a processed one.
    public func onSuccess(_ action: @escaping @Sendable () async throws -> Void) {
        completion.append(action)
    }

    /// Lets `store` record the handled message's idempotency key itself, in the same
    /// transaction as the handler's own changes, instead of after the handling.
    ///
    /// An ``IdempotentReceiver`` on `store` records the key of each message it lets through once
    /// the handling succeeded. A store that keeps its keys in the application's database can do
    /// better: write the key in the transaction that holds the handler's own changes, so both
    /// are committed or neither is. Such a store calls this method around its transaction:
    /// `body` receives the record the receiver would have made (`nil` if no receiver on `store`
    /// is waiting to record one), writes it with the changes, and once `body` returns the
    /// receiver no longer records it. If `body` throws, the record stays with the receiver.
    ///
    /// `SQLiteIdempotencyStore.write(recordingFor:_:)` (module `MessageBusSQLite`) is built on it.
    nonisolated(nonsending) public func recordingIdempotencyKey<Result>(
        in store: some IdempotencyStore & AnyObject,
        _ body: (IdempotencyRecord?) async throws -> Result
    ) async rethrows -> Result {
        let pending = completion.take { ($0.store as AnyObject) === store }
        do {
            return try await body(pending?.record)
        } catch {
            if let pending { completion.putBack(pending) }
            throw error
        }
    }
}

/// The actions registered with ``HandlerContext/onSuccess(_:)`` for one handling, and the keys
/// its ``IdempotentReceiver``s record.
final class CompletionActions: Sendable {
    typealias Action = @Sendable () async throws -> Void

    /// A processed message's key, to record in the store it belongs to once the handling
    /// succeeded.
    struct PendingRecord: Sendable {
        let record: IdempotencyRecord
        let store: any IdempotencyStore
        /// Tells the record apart from the handling's others, to withdraw it.
        fileprivate(set) var ticket = 0

        init(_ record: IdempotencyRecord, in store: any IdempotencyStore) {
            self.record = record
            self.store = store
        }

        /// Records the key in its store: at once where the store can, without an asynchronous
        /// call.
        nonisolated(nonsending) func make() async throws {
            if !store.insertImmediately(record.key, retention: record.retention) {
                try await store.insert(record.key.value, retention: record.retention)
            }
        }
    }

    /// Records are kept as values rather than closures: nearly every handling behind an
    /// ``IdempotentReceiver`` registers one, and a closure would be allocated for each. A
    /// handling registers one at most, usually, so the first is kept apart and registering it
    /// allocates no array.
    private struct Registered {
        var actions: [Action] = []
        var firstRecord: PendingRecord?
        var moreRecords: [PendingRecord] = []
        var lastTicket = 0

        mutating func append(_ record: PendingRecord) {
            if firstRecord == nil {
                firstRecord = record
            } else {
                moreRecords.append(record)
            }
        }

        /// Removes and returns the first record `matches` accepts.
        mutating func take(where matches: (PendingRecord) -> Bool) -> PendingRecord? {
            if let first = firstRecord, matches(first) {
                firstRecord = moreRecords.isEmpty ? nil : moreRecords.removeFirst()
                return first
            }
            guard let index = moreRecords.firstIndex(where: matches) else { return nil }
            return moreRecords.remove(at: index)
        }
    }

    private let registered = Mutex(Registered())

    func append(_ action: @escaping Action) {
        registered.withLock { $0.actions.append(action) }
    }

    /// Registers `record` and returns its ticket, which ``withdraw(_:)`` takes.
    func append(_ record: PendingRecord) -> Int {
        registered.withLock { registered in
            registered.lastTicket += 1
            var record = record
            record.ticket = registered.lastTicket
            registered.append(record)
            return record.ticket
        }
    }

    /// Registers again a record ``take(where:)`` returned, with its ticket.
    func putBack(_ record: PendingRecord) {
        registered.withLock { $0.append(record) }
    }

    /// Removes the record of `ticket`, if it is still registered: its handling failed.
    func withdraw(_ ticket: Int) {
        registered.withLock { _ = $0.take { $0.ticket == ticket } }
    }

    /// Removes and returns the first pending record that `matches` accepts, which its taker
    /// then records itself.
    func take(where matches: (PendingRecord) -> Bool) -> PendingRecord? {
        registered.withLock { $0.take(where: matches) }
    }

    /// Runs the actions in the order they were registered, then makes the records, so that a
    /// key is recorded only once every action has succeeded. Runs once per handling.
    nonisolated(nonsending) func run() async throws {
        // Taken out rather than copied: a copy would retain every action and record once more.
        let registered = registered.withLock { registered in
            var taken = Registered()
            swap(&taken, &registered)
            return taken
        }
        for action in registered.actions {
            try await action()
        }
        guard let first = registered.firstRecord else { return }
        try await first.make()
        for pending in registered.moreRecords {
            try await pending.make()
        }
    }
}

/// A handling's logger: the handler's logger, given the message's id and correlation id on
/// first use, then kept for every copy of the context.
final class MessageLogger: Sendable {
    private enum State {
        case unmade(handlerLogger: Logger)
        case made(Logger)
    }

    private let state: Mutex<State>

    /// The logger `handlerLogger` becomes for the handled message, when first used.
    init(handlerLogger: Logger) {
        state = Mutex(.unmade(handlerLogger: handlerLogger))
    }

    /// `logger` as it is.
    init(_ logger: Logger) {
        state = Mutex(.made(logger))
    }

    /// The logger, made for `message` (the handled one) on first use.
    func logger(for message: Message) -> Logger {
        state.withLock { state in
            switch state {
            case .made(let logger):
                return logger
            case .unmade(var logger):
                // One assignment of the whole metadata: a handler may render it on every change.
                var metadata = logger.handler.metadata
                metadata["message-id"] = .string(message.id)
                metadata["correlation-id"] = .string(message.correlationID ?? message.id)
                logger.handler.metadata = metadata
                state = .made(logger)
                return logger
            }
        }
    }
}
