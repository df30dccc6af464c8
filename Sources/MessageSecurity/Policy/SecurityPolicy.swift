/// Which messages are sealed, and with which algorithm: by topic, by type, or both.
///
/// Senders and receivers share one policy. A ``SecureSender`` seals each outgoing message with
/// the algorithm of the first rule that matches its topic and type; a ``SecureReceiver``
/// refuses a message that the first matching rule says must be sealed with an algorithm but is
/// not. A message no rule matches is sent as it is, and received as it is unless it carries a
/// seal, which is then checked.
///
/// ```swift
/// let policy = SecurityPolicy([
///     .init(type: "sales.order.placed", algorithm: .aes256GCM),
///     .init(topic: "audit", algorithm: .ed25519),
/// ])
/// ```
public struct SecurityPolicy: Sendable {
    /// One rule: the messages it matches and the algorithm they are sealed with.
    public struct Rule: Sendable {
        /// The topic the rule matches, or `nil` for every topic.
        public var topic: String?
        /// The message type the rule matches, or `nil` for every type.
        public var type: String?
        /// The algorithm the messages the rule matches are sealed with.
        public var algorithm: SealAlgorithm

        /// A rule for the messages of `type` on `topic`; `nil` matches everything.
        public init(topic: String? = nil, type: String? = nil, algorithm: SealAlgorithm) {
            self.topic = topic
            self.type = type
            self.algorithm = algorithm
        }

        func matches(topic: String, type: String) -> Bool {
            (self.topic == nil || self.topic == topic) && (self.type == nil || self.type == type)
        }
    }

    /// The rules, the first match winning.
    public var rules: [Rule]

    /// A policy with `rules`, the first match winning.
    public init(_ rules: [Rule]) {
        self.rules = rules
    }

    /// The algorithm messages of `type` on `topic` are sealed with, or `nil` if no rule matches.
    public func algorithm(topic: String, type: String) -> SealAlgorithm? {
        rules.first { $0.matches(topic: topic, type: type) }?.algorithm
    }
}
