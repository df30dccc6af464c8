import ServiceLifecycle

/// A transport: a publisher and a subscriber that runs as a long-lived service.
///
/// Run a transport in a `ServiceGroup` (swift-service-lifecycle) or call ``shutdown()`` yourself.
///
/// ## Shutdown contract
///
/// Shutting down — by ``shutdown()``, graceful shutdown of the service group, or cancellation of
/// `run()` — stops taking new work: `publish` and `subscribe` then throw
/// ``MessagingError/Code/shutDown``, and every subscription's sequence ends. Deliveries already
/// handed out may still be settled while shutdown waits for them; everything accepted by
/// `publish` is flushed. Deliveries that are never settled are delivered again to their group by
/// the next member (for a persistent transport, after a restart).
public protocol MessageTransport: MessagePublisher, MessageSubscriber, Service {
    /// What this transport guarantees.
    var capabilities: TransportCapabilities { get }

    /// Shuts the transport down gracefully and returns when it has stopped.
    ///
    /// Waits until every delivery handed out has been settled; cancel the calling task to stop
    /// waiting (unsettled deliveries are then redelivered to their groups). A second call while
    /// the first is waiting waits for the same shutdown; a call after shutdown completed returns
    /// at once.
    func shutdown() async
}

/// What a transport guarantees, so callers and the conformance suite can rely on it.
public struct TransportCapabilities: Sendable, Hashable {
    /// Messages with the same key are delivered in the order they were published.
    public var ordersByKey: Bool
    /// Named consumer groups: every group gets every message; members of a group share them.
    public var consumerGroups: Bool
    /// A new group can start from the oldest retained message.
    public var replaysFromEarliest: Bool
    /// Messages survive the process that published them.
    public var isPersistent: Bool
    /// The largest ``Message/byteCount`` the transport accepts.
    public var maximumMessageBytes: Int

    /// Creates a capabilities value.
    public init(
        ordersByKey: Bool,
        consumerGroups: Bool,
        replaysFromEarliest: Bool,
        isPersistent: Bool,
        maximumMessageBytes: Int
    ) {
        self.ordersByKey = ordersByKey
        self.consumerGroups = consumerGroups
        self.replaysFromEarliest = replaysFromEarliest
        self.isPersistent = isPersistent
        self.maximumMessageBytes = maximumMessageBytes
    }
}
