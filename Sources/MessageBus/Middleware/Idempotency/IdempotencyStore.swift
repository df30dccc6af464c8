/// Remembers which messages were processed, for an ``IdempotentReceiver``.
///
/// Implementations must be safe to call concurrently. A key counts as present from `insert`
/// until its retention has passed; inserting a key again replaces its retention. Keys are equal
/// when their text is. `IdempotencyStoreConformanceSuite` (module `MessageBusTesting`) checks
/// all of this; every store should pass it.
///
/// A store implements the two `String` requirements. A store that can answer at once, without
/// suspending — one in memory — also implements ``containsImmediately(_:)`` and
/// ``insertImmediately(_:retention:)``, whose default implementations decline; an
/// ``IdempotentReceiver`` asks those first, through ``contains(_:)-(IdempotencyKey)`` and
/// ``insert(_:retention:)-(IdempotencyKey,_)``, and waits for the `String` requirements only
/// when they decline.
public protocol IdempotencyStore: Sendable {
    /// Whether `key` was inserted and its retention has not yet passed.
    func contains(_ key: String) async throws -> Bool
    /// Remembers `key` for `retention`, replacing an earlier retention of the same key.
    func insert(_ key: String, retention: Duration) async throws
    /// Whether `key` was inserted and its retention has not yet passed, if the store can tell
    /// without suspending; `nil` if it must be asked with ``contains(_:)-(String)``.
    ///
    /// Default: `nil`.
    func containsImmediately(_ key: IdempotencyKey) -> Bool?
    /// Remembers `key` for `retention` and returns `true`, if the store can without suspending;
    /// `false`, having remembered nothing, if it must be asked with
    /// ``insert(_:retention:)-(String,_)``.
    ///
    /// Default: `false`.
    func insertImmediately(_ key: IdempotencyKey, retention: Duration) -> Bool
}

extension IdempotencyStore {
    /// Declines: the store is asked with ``contains(_:)-(String)``.
    public func containsImmediately(_ key: IdempotencyKey) -> Bool? {
        nil
    }

    /// Declines: the store is asked with ``insert(_:retention:)-(String,_)``.
    public func insertImmediately(_ key: IdempotencyKey, retention: Duration) -> Bool {
        false
    }

    /// Whether `key` was inserted and its retention has not yet passed: the store's immediate
    /// answer if it has one, otherwise its answer for the key's text.
    nonisolated(nonsending) public func contains(_ key: IdempotencyKey) async throws -> Bool {
        if let answer = containsImmediately(key) {
            return answer
        }
        return try await contains(key.value)
    }

    /// Remembers `key` for `retention`: at once if the store can, otherwise by its text.
    nonisolated(nonsending) public func insert(_ key: IdempotencyKey, retention: Duration) async throws {
        if !insertImmediately(key, retention: retention) {
            try await insert(key.value, retention: retention)
        }
    }
}
