import ChannelAdapter

/// What became of one event for one subscription.
public struct WebhookDeliveryReport: Sendable {
    /// How the delivery ended.
    public enum Outcome: Sendable {
        /// The endpoint answered 2xx with this status code.
        case delivered(statusCode: Int)
        /// The endpoint answered `410 Gone`: the subscription was disabled with this reason and
        /// gets no more deliveries.
        case disabled(reason: String)
        /// The delivery was given up: refused by the target policy, answered with a status that
        /// trying again cannot change (a 3xx among them), or failing for longer than allowed.
        case failed(ChannelAdapterError)
    }

    /// The subscription delivered to.
    public let subscriptionID: String
    /// The URL posted to.
    public let url: String
    /// The event's id, sent as `webhook-id`.
    public let messageID: String
    /// How many requests were sent.
    public let attempts: Int
    /// How the delivery ended.
    public let outcome: Outcome

    /// Whether the endpoint took the event.
    public var isDelivered: Bool {
        if case .delivered = outcome { true } else { false }
    }
}
