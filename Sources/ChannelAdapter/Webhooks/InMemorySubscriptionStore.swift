import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A ``SubscriptionStore`` in memory: for tests, demos, and applications whose subscribers
/// register again after a restart.
public final class InMemorySubscriptionStore: SubscriptionStore {
    private let subscriptions: Mutex<[WebhookSubscription]>

    /// Creates a store holding `subscriptions`.
    ///
    /// - Parameter subscriptions: The subscriptions to start with. Default: none.
    public init(_ subscriptions: [WebhookSubscription] = []) {
        self.subscriptions = Mutex(subscriptions)
    }

    /// Stores a new subscription.
    public func register(_ subscription: WebhookSubscription) async throws {
        try subscription.validate()
        try subscriptions.withLock { subscriptions throws(ChannelAdapterError) in
            guard !subscriptions.contains(where: { $0.id == subscription.id }) else {
                throw ChannelAdapterError.duplicateSubscription(subscription.id)
            }
            subscriptions.append(subscription)
        }
    }

    /// The subscription `id`, or `nil`.
    public func subscription(_ id: String) async throws -> WebhookSubscription? {
        subscriptions.withLock { $0.first { $0.id == id } }
    }

    /// Every subscription, oldest first.
    public func list() async throws -> [WebhookSubscription] {
        subscriptions.withLock { Self.oldestFirst($0) }
    }

    /// The enabled subscriptions matching `eventType`, oldest first.
    public func subscriptions(for eventType: String) async throws -> [WebhookSubscription] {
        subscriptions.withLock { Self.oldestFirst($0.filter { $0.isEnabled && $0.matches(eventType) }) }
    }

    /// Stops deliveries to subscription `id`.
    public func disable(_ id: String, reason: String, at time: Date) async throws {
        try subscriptions.withLock { subscriptions throws(ChannelAdapterError) in
            guard let index = subscriptions.firstIndex(where: { $0.id == id }) else {
                throw ChannelAdapterError.subscriptionNotFound(id)
            }
            subscriptions[index].disabledReason = reason
            subscriptions[index].disabledAt = time
        }
    }

    /// Removes subscription `id`.
    public func delete(_ id: String) async throws {
        try subscriptions.withLock { subscriptions throws(ChannelAdapterError) in
            guard let index = subscriptions.firstIndex(where: { $0.id == id }) else {
                throw ChannelAdapterError.subscriptionNotFound(id)
            }
            subscriptions.remove(at: index)
        }
    }

    private static func oldestFirst(_ subscriptions: [WebhookSubscription]) -> [WebhookSubscription] {
        subscriptions.enumerated()
            .sorted { ($0.element.createdAt, $0.offset) < ($1.element.createdAt, $1.offset) }
            .map(\.element)
    }
}
