#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Where webhook subscriptions are kept: registered, listed, looked up by event type, disabled
/// and deleted.
///
/// The contract, checked by `SubscriptionStoreConformanceSuite` of `ChannelAdapterTesting`:
/// - ``register(_:)`` stores a subscription whose id is new; an id already taken throws
///   ``ChannelAdapterError/Code/duplicateSubscription`` and changes nothing.
/// - ``list()`` returns every subscription, enabled or not, oldest first.
/// - ``subscriptions(for:)`` returns the *enabled* subscriptions that match an event type,
///   oldest first.
/// - ``disable(_:reason:at:)`` keeps the subscription but stops its deliveries, recording why;
///   ``delete(_:)`` removes it. Both throw ``ChannelAdapterError/Code/subscriptionNotFound``
///   for an unknown id.
/// - Failures of the storage itself throw ``ChannelAdapterError/Code/storeFailed`` and change
///   nothing.
public protocol SubscriptionStore: Sendable {
    /// Stores a new subscription.
    ///
    /// - Throws: ``ChannelAdapterError/Code/invalidConfiguration`` for a subscription without
    ///   id, URL or event type; ``ChannelAdapterError/Code/duplicateSubscription`` for an id
    ///   already taken.
    func register(_ subscription: WebhookSubscription) async throws

    /// The subscription `id`, or `nil` if there is none.
    func subscription(_ id: String) async throws -> WebhookSubscription?

    /// Every subscription, enabled or not, oldest first.
    func list() async throws -> [WebhookSubscription]

    /// The enabled subscriptions that want events of type `eventType`, oldest first.
    func subscriptions(for eventType: String) async throws -> [WebhookSubscription]

    /// Stops deliveries to subscription `id`, recording `reason` and the time.
    ///
    /// - Throws: ``ChannelAdapterError/Code/subscriptionNotFound`` for an unknown id.
    func disable(_ id: String, reason: String, at time: Date) async throws

    /// Removes subscription `id`.
    ///
    /// - Throws: ``ChannelAdapterError/Code/subscriptionNotFound`` for an unknown id.
    func delete(_ id: String) async throws
}

extension ChannelAdapterError.Code {
    /// No webhook subscription has the id given; ``ChannelAdapterError/item`` holds it.
    public static let subscriptionNotFound = Self("subscriptionNotFound")
    /// A webhook subscription with the id given exists already; ``ChannelAdapterError/item``
    /// holds it.
    public static let duplicateSubscription = Self("duplicateSubscription")
    /// A webhook's URL is one deliveries may not go to: not `http` or `https`, no host, a host
    /// that does not resolve, or one that resolves to an address the target policy refuses.
    public static let targetRefused = Self("targetRefused")
}

extension ChannelAdapterError {
    /// A ``Code/subscriptionNotFound`` for subscription `id`.
    public static func subscriptionNotFound(_ id: String, file: String = #fileID, line: Int = #line)
        -> ChannelAdapterError
    {
        ChannelAdapterError(
            .subscriptionNotFound,
            "No webhook subscription has the id '\(id)'.",
            isRetriable: false,
            item: id,
            file: file,
            line: line
        )
    }

    /// A ``Code/duplicateSubscription`` for subscription `id`.
    public static func duplicateSubscription(_ id: String, file: String = #fileID, line: Int = #line)
        -> ChannelAdapterError
    {
        ChannelAdapterError(
            .duplicateSubscription,
            "A webhook subscription with the id '\(id)' exists already.",
            isRetriable: false,
            item: id,
            file: file,
            line: line
        )
    }
}
