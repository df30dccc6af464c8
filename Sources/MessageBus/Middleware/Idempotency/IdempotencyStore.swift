/// Remembers which messages were processed, for an ``IdempotentReceiver``.
///
/// Implementations must be safe to call concurrently. A key counts as present from `insert`
/// until its retention has passed; inserting a key again replaces its retention. Keys are equal
/// when their text is. `IdempotencyStoreConformanceSuite` (module `MessageBusTesting`) checks
/// all of this; every store should pass it.
///
/// An ``IdempotentReceiver`` asks with ``IdempotencyKey`` values. A store implements the two
/// `String` requirements; the ``IdempotencyKey`` ones have default implementations that pass on
/// the key's ``IdempotencyKey/value``, and a store that can answer faster from a key's parts
/// implements them too.
public protocol IdempotencyStore: Sendable {
    /// Whether `key` was inserted and its retention has not yet passed.
    func contains(_ key: String) async throws -> Bool
    /// Remembers `key` for `retention`, replacing an earlier retention of the same key.
    func insert(_ key: String, retention: Duration) async throws
    /// Whether `key` was inserted and its retention has not yet passed.
    ///
    /// Default: ``contains(_:)-(String)`` with the key's ``IdempotencyKey/value``.
    nonisolated(nonsending) func contains(_ key: IdempotencyKey) async throws -> Bool
    /// Remembers `key` for `retention`, replacing an earlier retention of the same key.
    ///
    /// Default: ``insert(_:retention:)-(String,_)`` with the key's ``IdempotencyKey/value``.
    nonisolated(nonsending) func insert(_ key: IdempotencyKey, retention: Duration) async throws
}

extension IdempotencyStore {
    /// Whether `key`'s text was inserted and its retention has not yet passed.
    nonisolated(nonsending) public func contains(_ key: IdempotencyKey) async throws -> Bool {
        try await contains(key.value)
    }

    /// Remembers `key`'s text for `retention`.
    nonisolated(nonsending) public func insert(_ key: IdempotencyKey, retention: Duration) async throws {
        try await insert(key.value, retention: retention)
    }
}
