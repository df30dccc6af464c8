import Messaging

/// Processes each message once, even when the transport delivers it more than once.
///
/// Transports deliver at least once: after a crash, a rebalance or a failed acknowledgement the
/// same message can come back. `IdempotentReceiver` remembers the key of each processed message
/// in an ``IdempotencyStore`` and acknowledges repeats without running the handler.
///
/// A message counts as processed only once its outgoing messages are published (it records the
/// key through ``HandlerContext/onSuccess(_:)``), so a failure between handling and publishing
/// means the message is handled again, not lost. Keys are kept for ``retention``; a duplicate
/// that arrives later is processed again.
public struct IdempotentReceiver: MessageMiddleware {
    /// How long a processed key is remembered.
    public let retention: Duration
    private let store: any IdempotencyStore
    /// The store when it is the in-memory one, which is asked directly: found once here rather
    /// than with a cast for each message.
    private let memory: InMemoryIdempotencyStore?
    private let key: @Sendable (Message, HandlerContext) -> String

    /// Creates an idempotent receiver.
    ///
    /// - Parameters:
    ///   - store: Where processed keys are kept: ``InMemoryIdempotencyStore`` for one process,
    ///     `SQLiteIdempotencyStore` (module `MessageBusSQLite`) to survive restarts.
    ///   - retention: How long a key is remembered. Default: 24 hours.
    ///   - key: The key that identifies a message. Default: the handler, the group and the
    ///     message id, so each application processes each message once.
    public init(
        store: any IdempotencyStore,
        retention: Duration = .seconds(24 * 60 * 60),
        key: @escaping @Sendable (Message, HandlerContext) -> String = { message, context in
            "\(context.group)/\(context.handler)/\(message.id)"
        }
    ) {
        self.store = store
        self.memory = store as? InMemoryIdempotencyStore
        self.retention = retention
        self.key = key
    }

    /// Skips a message whose key was processed; otherwise runs `next` and records the key
    /// once the message's output is published.
    public func handle(_ message: Message, context: HandlerContext, next: NextHandler) async throws -> [OutgoingMessage]
    {
        let key = key(message, context)
        let seen: Bool
        let record: CompletionActions.Action
        if let memory {
            // Asked directly, with the key's digest made once rather than in each call.
            let digest = InMemoryIdempotencyStore.Digest(key)
            seen = memory.contains(digest)
            record = { [retention] in memory.insert(digest, retention: retention) }
        } else {
            seen = try await store.contains(key)
            record = { [store, retention] in try await store.insert(key, retention: retention) }
        }
        if seen {
            context.metrics.duplicates.increment()
            context.logger.debug("Duplicate message skipped", metadata: ["idempotency-key": "\(key)"])
            return []
        }
        let outgoing = try await next(message, context)
        context.onSuccess(record)
        return outgoing
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
