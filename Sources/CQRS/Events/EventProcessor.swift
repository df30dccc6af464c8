import MessageBus
import Messaging
import Metrics
import Synchronization

/// Runs every handler registered for an event's type, as one member of one consumer group.
///
/// Two bus handlers in the same consumer group on the same topic would compete for its events,
/// each getting some; an event processor is one member of the group, and gives each event to
/// all the handlers registered for its type, in registration order. Events of a type no handler
/// is registered for are acknowledged and counted in `cqrs_events_skipped_total` (dimensions
/// `group` and `type`).
///
/// ```swift
/// let processor = EventProcessor(topic: "orders.events", group: "stock")
/// try processor.on(ProductOrdered.self, name: "stock") { event, context in try await stock.take(event) }
/// try processor.on(ProductOrdered.self, name: "audit") { event, context in try await audit.log(event) }
/// try processor.register(on: bus)
/// ```
///
/// If a handler throws, the event is rejected and delivered again to all of them: handlers
/// should be idempotent, or sit behind an `IdempotentReceiver` keyed per handler.
public final class EventProcessor: Sendable {
    private typealias Handler = @Sendable (Message, HandlerContext) async throws -> Void
    /// The topic the processor reads.
    public let topic: String
    /// The consumer group the processor is a member of.
    public let group: String
    private let codec = JSONMessageCodec()
    private let handlers = Mutex<[String: [(name: String, body: Handler)]]>([:])

    /// Creates a processor of `topic`'s events for consumer group `group`.
    public init(topic: String, group: String) {
        self.topic = topic
        self.group = group
    }

    /// Adds a handler for events of type `type`, after those already added for it.
    ///
    /// - Throws: ``CQRSError/Code/duplicateHandler`` when a handler named `name` is registered
    ///   for the type.
    public func on<Event: BusMessage>(
        _ type: Event.Type,
        name: String,
        _ body: @escaping @Sendable (Event, HandlerContext) async throws -> Void
    ) throws(CQRSError) {
        let codec = codec
        let handler: Handler = { message, context in
            let event: Event
            do throws(MessagingError) {
                event = try message.decode(Event.self, codec: codec)
            } catch {
                throw CQRSError(.codingFailed, error.reason, messageType: Event.messageType)
            }
            try await body(event, context)
        }
        let added = handlers.withLock { handlers in
            guard !(handlers[Event.messageType] ?? []).contains(where: { $0.name == name }) else {
                return false
            }
            handlers[Event.messageType, default: []].append((name, handler))
            return true
        }
        guard added else {
            throw CQRSError(
                .duplicateHandler,
                "A handler named '\(name)' is already registered for '\(Event.messageType)'.",
                messageType: Event.messageType
            )
        }
    }

    /// Registers the processor on `bus`, as the one handler of ``topic`` for ``group``.
    ///
    /// - Throws: ``CQRSError/Code/invalidConfiguration`` when the bus refuses the registration.
    public func register(on bus: Bus, options: Bus.HandlerOptions = Bus.HandlerOptions()) throws(CQRSError) {
        let skipped = Mutex<[String: Counter]>([:])
        do {
            try bus.consume(from: topic, group: group, name: "events \(group)", options: options) { message, context in
                let matching = self.handlers.withLock { $0[message.type] ?? [] }
                guard !matching.isEmpty else {
                    let counter = skipped.withLock { counters in
                        if let counter = counters[message.type] {
                            return counter
                        }
                        let counter = Counter(
                            label: "cqrs_events_skipped_total",
                            dimensions: [("group", self.group), ("type", message.type)],
                            factory: context.metricsFactory
                        )
                        counters[message.type] = counter
                        return counter
                    }
                    counter.increment()
                    return
                }
                for handler in matching {
                    try await handler.body(message, context)
                }
            }
        } catch {
            throw CQRSError(.invalidConfiguration, error.reason)
        }
    }
}
