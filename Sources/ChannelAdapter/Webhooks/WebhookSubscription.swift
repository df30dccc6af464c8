#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An endpoint that asked to be called when events of some types happen: where to post them,
/// which types it wants, and the secret its deliveries are signed with.
///
/// A subscription stays in its ``SubscriptionStore`` until it is deleted. One that can no longer
/// take deliveries — its endpoint answered `410 Gone`, say — is disabled instead, with the
/// reason, so an administrator sees why it went quiet.
public struct WebhookSubscription: Sendable, Hashable, Codable, Identifiable {
    /// The event type that matches every event.
    public static let allEvents = "*"

    /// The subscription's identity, unique in its store.
    public var id: String
    /// The endpoint deliveries are posted to: an absolute `http` or `https` URL.
    public var url: String
    /// The event types delivered, matched exactly against a message's `type`;
    /// ``allEvents`` matches every type.
    public var eventTypes: Set<String>
    /// The signing secret, written `whsec_` followed by its base64, as Standard Webhooks
    /// receivers expect it.
    public var secret: String
    /// When the subscription was registered.
    public var createdAt: Date
    /// Why the subscription takes no deliveries, or `nil` while it is enabled.
    public var disabledReason: String?
    /// When the subscription was disabled, or `nil` while it is enabled.
    public var disabledAt: Date?

    /// Creates a subscription, enabled unless given a reason it is not.
    ///
    /// - Parameters:
    ///   - id: The subscription's identity, unique in its store.
    ///   - url: The endpoint deliveries are posted to.
    ///   - eventTypes: The event types delivered; ``allEvents`` for every type.
    ///   - secret: The signing secret, `whsec_` followed by its base64.
    ///   - createdAt: When it was registered. Default: now.
    ///   - disabledReason: Why it takes no deliveries. Default: `nil`, enabled.
    ///   - disabledAt: When it was disabled. Default: `nil`.
    public init(
        id: String,
        url: String,
        eventTypes: Set<String>,
        secret: String,
        createdAt: Date = Date(),
        disabledReason: String? = nil,
        disabledAt: Date? = nil
    ) {
        self.id = id
        self.url = url
        self.eventTypes = eventTypes
        self.secret = secret
        self.createdAt = createdAt
        self.disabledReason = disabledReason
        self.disabledAt = disabledAt
    }

    /// Whether the subscription takes deliveries.
    public var isEnabled: Bool { disabledReason == nil }

    /// Whether an event of type `eventType` is for this subscription, enabled or not.
    public func matches(_ eventType: String) -> Bool {
        eventTypes.contains(Self.allEvents) || eventTypes.contains(eventType)
    }

    /// A new random identity: `sub_` followed by a lowercase UUID.
    public static func makeID() -> String {
        "sub_" + UUID().uuidString.lowercased()
    }

    /// Checks that the subscription can be stored: an id, a URL and at least one event type.
    ///
    /// - Throws: ``ChannelAdapterError/Code/invalidConfiguration`` naming what is missing.
    public func validate() throws(ChannelAdapterError) {
        if id.isEmpty {
            throw ChannelAdapterError(.invalidConfiguration, "A webhook subscription needs an id.")
        }
        if url.isEmpty {
            throw ChannelAdapterError(.invalidConfiguration, "Webhook subscription '\(id)' has no URL.")
        }
        if eventTypes.isEmpty || eventTypes.contains("") {
            throw ChannelAdapterError(
                .invalidConfiguration,
                "Webhook subscription '\(id)' names no event type; use '\(Self.allEvents)' for every type."
            )
        }
    }
}
