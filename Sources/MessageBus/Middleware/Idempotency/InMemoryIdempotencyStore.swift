import DequeModule
import HeapModule
import Synchronization

/// An ``IdempotencyStore`` in memory: fast, shared by the handlers of one process, and
/// forgotten when the process ends.
///
/// Expired keys are removed as new ones arrive. With a ``capacity``, the keys that expire first
/// are dropped early when it is exceeded, and the store makes room for that many keys when it
/// is created (up to about 4 million), so a filling store never stops to grow its table.
///
/// The store keeps a 128-bit digest of each key, not the key: two keyed SipHash values whose key
/// is chosen at random when the process starts. Each kept key then costs a fixed 16 bytes
/// however long it is, and looking one up reads no string. A different key is taken for a
/// processed one only if all 128 bits collide: with a billion keys kept, the chance is below
/// 10⁻²⁰.
public final class InMemoryIdempotencyStore: IdempotencyStore {
    /// A key's 128-bit digest. No key's digest is ``empty``, which marks a free slot.
    struct Digest: Equatable {
        let high: UInt64
        let low: UInt64

        init(_ key: String) {
            high = Self.half(of: key, domain: 0)
            // A digest whose high half is zero gets its lowest bit set, so none is all zeros.
            low = Self.half(of: key, domain: 1) | (high == 0 ? 1 : 0)
        }

        private init(high: UInt64, low: UInt64) {
            self.high = high
            self.low = low
        }

        static let empty = Digest(high: 0, low: 0)

        private static func half(of key: String, domain: UInt8) -> UInt64 {
            var hasher = Hasher()
            hasher.combine(domain)
            hasher.combine(key)
            return UInt64(truncatingIfNeeded: hasher.finalize())
        }
    }

    private struct Entry: Comparable {
        let expiry: Duration
        let digest: Digest

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            lhs.expiry < rhs.expiry
        }
    }

    /// The kept keys in expiry order. A store's keys usually share one retention, so each
    /// expires after the one before: those go in a first-in, first-out queue, and only a key
    /// that expires before the queue's last one goes in a heap.
    private struct ExpiryQueue {
        private var inOrder = Deque<Entry>()
        private var earlier = Heap<Entry>()

        var first: Entry? {
            switch (inOrder.first, earlier.min) {
            case (let queued?, let early?): min(queued, early)
            case (let queued, let early): queued ?? early
            }
        }

        mutating func insert(_ entry: Entry) {
            if let last = inOrder.last, entry < last {
                earlier.insert(entry)
            } else {
                inOrder.append(entry)
            }
        }

        mutating func removeFirst() {
            if let early = earlier.min, inOrder.first.map({ early < $0 }) ?? true {
                earlier.removeMin()
            } else {
                inOrder.removeFirst()
            }
        }
    }

    private struct State {
        var expiries: DigestTable
        var queue = ExpiryQueue()
    }

    /// The most keys kept at once; `nil` for no limit.
    public let capacity: Int?
    private let timekeeper: Timekeeper
    private let state: Mutex<State>

    /// Creates a store.
    ///
    /// - Parameters:
    ///   - capacity: The most keys kept at once. Default: no limit.
    ///   - clock: The clock retention is measured on. Default: `ContinuousClock`.
    public init(capacity: Int? = nil, clock: some Clock<Duration> = ContinuousClock()) {
        self.capacity = capacity.map { max(1, $0) }
        self.timekeeper = Timekeeper(clock)
        let reservation = self.capacity.map { min($0, Self.largestReservation) } ?? 0
        self.state = Mutex(State(expiries: DigestTable(capacity: reservation)))
    }

    /// The most keys a store with a ``capacity`` makes room for up front; beyond it, the store
    /// grows as keys arrive.
    private static let largestReservation = 1 << 22

    /// The number of keys kept, expired ones not yet removed included.
    public var count: Int {
        state.withLock { $0.expiries.count }
    }

    /// Whether `key` is present and unexpired.
    public func contains(_ key: String) async throws -> Bool {
        contains(Digest(key))
    }

    /// Remembers `key` for `retention`.
    public func insert(_ key: String, retention: Duration) async throws {
        insert(Digest(key), retention: retention)
    }

    /// Whether the key of `digest` is present and unexpired. A new key, the common case, is
    /// answered without reading the clock.
    func contains(_ digest: Digest) -> Bool {
        guard let expiry = state.withLock({ $0.expiries[digest] }) else { return false }
        return expiry > timekeeper.now()
    }

    /// Remembers the key of `digest` for `retention`.
    func insert(_ digest: Digest, retention: Duration) {
        let now = timekeeper.now()
        state.withLock { state in
            let expiry = now + retention
            state.expiries.set(expiry, for: digest)
            state.queue.insert(Entry(expiry: expiry, digest: digest))
            while let first = state.queue.first,
                first.expiry <= now || (capacity.map { state.expiries.count > $0 } ?? false)
            {
                state.queue.removeFirst()
                // A key inserted again has a later entry; only its latest expiry removes it.
                if state.expiries[first.digest] == first.expiry {
                    state.expiries.remove(first.digest)
                }
            }
        }
    }
}
