import Messaging

/// Processes each message once, even when the transport delivers it more than once.
///
/// Transports deliver at least once: after a crash, a rebalance or a failed acknowledgement the
/// same message can come back. `IdempotentReceiver` remembers the key of each processed message
/// in an ``IdempotencyStore`` and acknowledges repeats without running the handler.
///
/// A message counts as processed only once its outgoing messages are published and every
/// ``HandlerContext/onSuccess(_:)`` action has run: the key is recorded after them, so a failure
/// between handling and publishing means the message is handled again, not lost. Keys are kept
/// for ``retention``; a duplicate that arrives later is processed again.
public struct IdempotentReceiver: MessageMiddleware {
    /// How long a processed key is remembered.
    public let retention: Duration
    private let store: any IdempotencyStore
    /// The store when it is the in-memory one, which is asked directly: found once here rather
    /// than with a cast for each message.
    private let memory: InMemoryIdempotencyStore?
    /// The key that identifies a message; `nil` for the default, whose digest an in-memory store
    /// makes from its parts without joining them.
    private let key: (@Sendable (Message, HandlerContext) -> String)?

    /// Creates an idempotent receiver.
    ///
    /// - Parameters:
    ///   - store: Where processed keys are kept: ``InMemoryIdempotencyStore`` for one process,
    ///     `SQLiteIdempotencyStore` (module `MessageBusSQLite`) to survive restarts.
    ///   - retention: How long a key is remembered. Default: 24 hours.
    ///   - key: The key that identifies a message. Default (`nil`): the group, the handler and
    ///     the message id, joined with `/` (`billing/charge/order-1`), so each application
    ///     processes each message once.
    public init(
        store: any IdempotencyStore,
        retention: Duration = .seconds(24 * 60 * 60),
        key: (@Sendable (Message, HandlerContext) -> String)? = nil
    ) {
        self.store = store
        self.memory = store as? InMemoryIdempotencyStore
        self.retention = retention
        self.key = key
    }

    /// Skips a message whose key was processed; otherwise runs `next` and records the key
    /// once the message's output is published.
    nonisolated(nonsending) public func handle(_ message: Message, context: HandlerContext, next: NextHandler)
        async throws -> [OutgoingMessage]
    {
        if let memory {
            // Asked directly, with the key's digest made once rather than in each call.
            let digest =
                key.map { InMemoryIdempotencyStore.Digest($0(message, context)) }
                ?? InMemoryIdempotencyStore.Digest(joining: context.group, context.handler, message.id)
            if memory.contains(digest) {
                return skip(message, context: context)
            }
            let outgoing = try await next(message, context)
            context.completion.append(.memory(digest, memory, retention: retention))
            return outgoing
        }
        let key = key(of: message, context: context)
        if try await store.contains(key) {
            return skip(message, context: context)
        }
        let outgoing = try await next(message, context)
        context.completion.append(.store(key, store, retention: retention))
        return outgoing
    }

    private func key(of message: Message, context: HandlerContext) -> String {
        key?(message, context) ?? "\(context.group)/\(context.handler)/\(message.id)"
    }

    private func skip(_ message: Message, context: HandlerContext) -> [OutgoingMessage] {
        context.metrics.duplicates.increment()
        context.logger.debug(
            "Duplicate message skipped",
            metadata: ["idempotency-key": "\(key(of: message, context: context))"]
        )
        return []
    }
}

/// Remembers which messages were processed, for an ``IdempotentReceiver``.
///
/// Implementations must be safe to call concurrently. A key counts as present from `insert`
/// until its retention has passed.
public protocol IdempotencyStore: Sendable {
    /// Whether `key` was inserted and its retention has not yet passed.
    func contains(_ key: String) async throws -> Bool
    /// Remembers `key` for `retention`, replacing an earlier retention of the same key.
    func insert(_ key: String, retention: Duration) async throws
}
