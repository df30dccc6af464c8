import Messaging

/// Forwards each message to the topic of the first route whose condition it meets.
///
/// ```swift
/// let router = ContentBasedRouter(
///     routes: [
///         .init(to: "orders.large") { message in try message.decode(Order.self).total > 1_000 },
///         .init(to: "orders.small") { _ in true },
///     ]
/// )
/// try bus.handle(from: "orders", group: "order-router", handler: router)
/// ```
///
/// A message that meets no condition goes to `otherwise`; without one, the router throws
/// ``MessageBusError/Code/noRoute`` (not retriable), so a ``DeadLetterChannel`` catches it.
/// Messages are forwarded unchanged, with the bus adding the correlation and trace headers.
public struct ContentBasedRouter: MessageHandler {
    /// A condition and the topic of the messages that meet it.
    public struct Route: Sendable {
        /// Where matching messages go.
        public var topic: String
        /// Whether a message goes to ``topic``. A throw fails the message.
        public var matches: @Sendable (Message) throws -> Bool

        /// A route to `topic` for the messages `matches` accepts.
        public init(to topic: String, when matches: @escaping @Sendable (Message) throws -> Bool) {
            self.topic = topic
            self.matches = matches
        }
    }

    /// The routes, tried in order.
    public var routes: [Route]
    /// Where messages that match no route go; `nil` to fail them.
    public var otherwise: String?

    /// Creates a router.
    public init(routes: [Route], otherwise: String? = nil) {
        self.routes = routes
        self.otherwise = otherwise
    }

    /// Forwards `message` to the first matching route's topic.
    nonisolated(nonsending) public func handle(_ message: Message, context: HandlerContext) async throws
        -> [OutgoingMessage]
    {
        for route in routes where try route.matches(message) {
            return [OutgoingMessage(message, to: route.topic)]
        }
        if let otherwise {
            return [OutgoingMessage(message, to: otherwise)]
        }
        throw MessageBusError(
            .noRoute,
            "No route of handler '\(context.handler)' accepts message \(message.id) of type '\(message.type)'."
        )
    }
}
