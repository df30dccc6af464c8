import HeapModule
import Synchronization

/// An ``IdempotencyStore`` in memory: fast, shared by the handlers of one process, and
/// forgotten when the process ends.
///
/// Expired keys are removed as new ones arrive. With a ``capacity``, the keys that expire first
/// are dropped early when it is exceeded.
public final class InMemoryIdempotencyStore: IdempotencyStore {
    private struct Entry: Comparable {
        let expiry: Duration
        let key: String

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            lhs.expiry < rhs.expiry
        }
    }

    private struct State {
        var expiries: [String: Duration] = [:]
        var queue = Heap<Entry>()
    }

    /// The most keys kept at once; `nil` for no limit.
    public let capacity: Int?
    private let timekeeper: Timekeeper
    private let state = Mutex(State())

    /// Creates a store.
    ///
    /// - Parameters:
    ///   - capacity: The most keys kept at once. Default: no limit.
    ///   - clock: The clock retention is measured on. Default: `ContinuousClock`.
    public init(capacity: Int? = nil, clock: some Clock<Duration> = ContinuousClock()) {
        self.capacity = capacity.map { max(1, $0) }
        self.timekeeper = Timekeeper(clock)
    }

    /// The number of keys kept, expired ones not yet removed included.
    public var count: Int {
        state.withLock { $0.expiries.count }
    }

    /// Whether `key` is present and unexpired.
    public func contains(_ key: String) async throws -> Bool {
        let now = timekeeper.now()
        return state.withLock { state in
            guard let expiry = state.expiries[key] else { return false }
            return expiry > now
        }
    }

    /// Remembers `key` for `retention`.
    public func insert(_ key: String, retention: Duration) async throws {
        let now = timekeeper.now()
        state.withLock { state in
            let expiry = now + retention
            state.expiries[key] = expiry
            state.queue.insert(Entry(expiry: expiry, key: key))
            while let first = state.queue.min,
                first.expiry <= now || (capacity.map { state.expiries.count > $0 } ?? false)
            {
                state.queue.removeMin()
                // A key inserted again has a later entry; only its latest expiry removes it.
                if state.expiries[first.key] == first.expiry {
                    state.expiries.removeValue(forKey: first.key)
                }
            }
        }
    }
}
