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
///
/// The receiver asks its store only through the ``IdempotencyStore`` protocol, with
/// ``IdempotencyKey`` values. A store that keeps its keys in the application's database can
/// instead record the key in the same transaction as the handler's own changes; see
/// ``HandlerContext/recordingIdempotencyKey(in:_:)``.
public struct IdempotentReceiver: MessageMiddleware {
    /// How long a processed key is remembered.
    public let retention: Duration
    private let store: any IdempotencyStore
    /// The key that identifies a message; `nil` for ``IdempotencyKey/init(handling:)``.
    private let key: (@Sendable (Message, HandlerContext) -> String)?

    /// Creates an idempotent receiver.
    ///
    /// - Parameters:
    ///   - store: Where processed keys are kept: ``InMemoryIdempotencyStore`` for one process,
    ///     `SQLiteIdempotencyStore` (module `MessageBusSQLite`) to survive restarts.
    ///   - retention: How long a key is remembered. Default: 24 hours.
    ///   - key: The key that identifies a message. Default (`nil`): ``IdempotencyKey/init(handling:)``,
    ///     the group, the handler and the message id, joined with `/` (`billing/charge/order-1`),
    ///     so each application processes each message once.
    public init(
        store: any IdempotencyStore,
        retention: Duration = .seconds(24 * 60 * 60),
        key: (@Sendable (Message, HandlerContext) -> String)? = nil
    ) {
        self.store = store
        self.retention = retention
        self.key = key
    }

    /// Skips a message whose key was processed; otherwise runs `next` and records the key
    /// once the message's output is published.
    nonisolated(nonsending) public func handle(_ message: Message, context: HandlerContext, next: NextHandler)
        async throws -> [OutgoingMessage]
    {
        let key = key.map { IdempotencyKey($0(message, context)) } ?? IdempotencyKey(handling: context)
        // Asked at once where the store can answer so, without an asynchronous call.
        let isDuplicate: Bool
        if let answer = store.containsImmediately(key) {
            isDuplicate = answer
        } else {
            isDuplicate = try await store.contains(key.value)
        }
        if isDuplicate {
            context.metrics.duplicates.increment()
            context.logger.debug("Duplicate message skipped", metadata: ["idempotency-key": "\(key)"])
            return []
        }
        // Registered before the handler runs, so that the handler can take it over and record
        // it with its own changes; withdrawn if the handler fails.
        let ticket = context.completion.append(
            CompletionActions.PendingRecord(IdempotencyRecord(key: key, retention: retention), in: store)
        )
        do {
            return try await next(message, context)
        } catch {
            context.completion.withdraw(ticket)
            throw error
        }
    }
}
