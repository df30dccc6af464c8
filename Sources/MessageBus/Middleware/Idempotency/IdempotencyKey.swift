import Messaging

/// The key an ``IdempotencyStore`` keeps for a processed message.
///
/// The key's text is what stores keep and compare. ``init(handling:)`` derives the key an
/// ``IdempotentReceiver`` uses by default; it is the only place that derivation is written.
///
/// A key also carries a 128-bit digest of its text, made once when the key is made, so that a
/// store which looks keys up by digest (``InMemoryIdempotencyStore``) hashes each key once
/// however often it is asked about it.
public struct IdempotencyKey: Sendable, Equatable, CustomStringConvertible {
    private enum Text: Sendable {
        case whole(String)
        case joined(String, String, String)
    }

    private let text: Text
    /// The digest of ``value``.
    let digest: InMemoryIdempotencyStore.Digest

    /// A key whose text is `value`.
    public init(_ value: String) {
        text = .whole(value)
        digest = InMemoryIdempotencyStore.Digest(value)
    }

    /// The key an ``IdempotentReceiver`` records by default for the message `context` handles:
    /// the group, the handler and the message id, joined with `/` (`billing/charge/order-1`), so
    /// each application processes each message once.
    public init(handling context: HandlerContext) {
        self.init(group: context.group, handler: context.handler, messageID: context.delivery.message.id)
    }

    /// The key of the message `messageID` handled by `handler` in `group`: the three joined with
    /// `/` (`billing/charge/order-1`), as ``init(handling:)`` makes it.
    public init(group: String, handler: String, messageID: String) {
        text = .joined(group, handler, messageID)
        // The text is not joined for this: most keys are looked up and recorded by digest only.
        digest = InMemoryIdempotencyStore.Digest(joining: group, handler, messageID)
    }

    /// The key's text, as stores keep it.
    public var value: String {
        switch text {
        case .whole(let value): value
        case .joined(let first, let second, let third): "\(first)/\(second)/\(third)"
        }
    }

    /// The key's text.
    public var description: String { value }

    /// Whether two keys have the same text.
    public static func == (lhs: IdempotencyKey, rhs: IdempotencyKey) -> Bool {
        lhs.value == rhs.value
    }
}

/// A processed message's key and how long to keep it: what an ``IdempotentReceiver`` records
/// once the message's handling succeeded.
public struct IdempotencyRecord: Sendable {
    /// The processed message's key.
    public let key: IdempotencyKey
    /// How long the key is kept.
    public let retention: Duration
}
