/// One behaviour of the `IdempotencyStore` contract that ``IdempotencyStoreConformanceSuite``
/// checks.
public enum IdempotencyStoreScenario: String, CaseIterable, Sendable, CustomStringConvertible {
    /// A key is absent until it is inserted, and present after.
    case insertedKeyIsPresent
    /// Inserting a key makes no other key present: not a prefix, an extension or a reordering.
    case keysAreDistinct
    /// A key inserted as an `IdempotencyKey` — at once, if the store answers at once — is present
    /// as its text, and the other way round, including the key
    /// `IdempotencyKey(group:handler:messageID:)` makes.
    case keyValuesAndTextsAgree
    /// Long keys and keys of any Unicode text are kept and told apart.
    case longAndUnicodeKeys
    /// A key is present until its retention has passed, and absent from then on.
    case keyExpiresAfterItsRetention
    /// Inserting a key again replaces its retention with the new one.
    case insertingAgainReplacesTheRetention
    /// Keys of different retentions each expire at their own time.
    case retentionsAreKeptPerKey
    /// Many tasks insert and look up keys at once; every inserted key is present.
    case concurrentInsertsAndLookups

    /// The scenario's name.
    public var description: String { rawValue }
}
