/// Which sources may publish which message types on which topics.
///
/// A ``SecureReceiver`` with an authorization refuses, as unauthorized, every message that no
/// grant permits: one whose authenticated source may not publish its type on the topic it
/// arrived on, and one whose source is not authenticated at all because it carries no seal.
///
/// ```swift
/// let authorization = PublisherAuthorization([
///     .allow("/sales", toPublish: ["sales.order.placed"], on: ["orders"]),
///     .allow("/billing", toPublish: ["billing.invoice.issued"]),
/// ])
/// ```
public struct PublisherAuthorization: Sendable {
    /// Permission for one source to publish some types on some topics.
    public struct Grant: Sendable {
        /// The source permitted, such as `/sales`.
        public var source: String
        /// The types it may publish, or `nil` for every type.
        public var types: Set<String>?
        /// The topics it may publish on, or `nil` for every topic.
        public var topics: Set<String>?

        /// Permits `source` to publish `types` on `topics`; `nil` permits every type or topic.
        public static func allow(_ source: String, toPublish types: Set<String>? = nil, on topics: Set<String>? = nil)
            -> Grant
        {
            Grant(source: source, types: types, topics: topics)
        }

        func permits(source: String, type: String, topic: String) -> Bool {
            self.source == source && (types?.contains(type) ?? true) && (topics?.contains(topic) ?? true)
        }
    }

    /// The grants; a message is permitted when one of them permits it.
    public var grants: [Grant]

    /// An authorization with `grants`.
    public init(_ grants: [Grant]) {
        self.grants = grants
    }

    /// Whether `source` may publish messages of `type` on `topic`.
    public func permits(source: String, type: String, topic: String) -> Bool {
        grants.contains { $0.permits(source: source, type: type, topic: topic) }
    }
}
