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
            self.init(hashes: Self.half(of: key, domain: 0), Self.half(of: key, domain: 1))
        }

        /// The digest of `"\(first)/\(second)/\(third)"`, hashed from the bytes of the three
        /// strings, copied side by side on the stack, where they are ASCII, rather than from a
        /// string joined for it.
        ///
        /// `Digest(_:)` feeds its hasher a domain byte, then the key's UTF-8 bytes, normalized,
        /// then a terminator byte (as `String.hash(into:)` does); the hasher gives the same
        /// value however the bytes are split among its calls. An ASCII string is already
        /// normalized, and so is any join of ASCII strings.
        init(joining first: String, _ second: String, _ third: String) {
            var digest: Digest?
            _ = first.utf8.withContiguousStorageIfAvailable { first in
                second.utf8.withContiguousStorageIfAvailable { second in
                    third.utf8.withContiguousStorageIfAvailable { third in
                        digest = Self.asciiDigest(joining: first, second, third)
                    }
                }
            }
            self = digest ?? Digest("\(first)/\(second)/\(third)")
        }

        private static func asciiDigest(
            joining first: UnsafeBufferPointer<UInt8>,
            _ second: UnsafeBufferPointer<UInt8>,
            _ third: UnsafeBufferPointer<UInt8>
        ) -> Digest? {
            // The domain byte, the parts with a "/" between each two, and the terminator.
            let count = 1 + first.count + 1 + second.count + 1 + third.count + 1
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { input -> Digest? in
                var end = 1
                func append(_ part: UnsafeBufferPointer<UInt8>) {
                    _ = UnsafeMutableBufferPointer(rebasing: input[end...]).initialize(fromContentsOf: part)
                    end += part.count
                }
                append(first)
                input[end] = UInt8(ascii: "/")
                end += 1
                append(second)
                input[end] = UInt8(ascii: "/")
                end += 1
                append(third)
                guard UnsafeBufferPointer(rebasing: input[1..<end]).reduce(0, |) < 0x80 else { return nil }
                input[end] = 0xFF
                input[0] = 0
                let high = hash(UnsafeRawBufferPointer(input))
                input[0] = 1
                return Digest(hashes: high, hash(UnsafeRawBufferPointer(input)))
            }
        }

        private static func hash(_ input: UnsafeRawBufferPointer) -> UInt64 {
            var hasher = Hasher()
            hasher.combine(bytes: input)
            return UInt64(truncatingIfNeeded: hasher.finalize())
        }

        /// The digest of two hashes of a key; one whose high half is zero gets its lowest bit
        /// set, so none is all zeros.
        private init(hashes high: UInt64, _ low: UInt64) {
            self.high = high
            self.low = low | (high == 0 ? 1 : 0)
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

    /// Whether `key` is present and unexpired, looked up at once by the digest the key carries.
    public func containsImmediately(_ key: IdempotencyKey) -> Bool? {
        contains(key.digest)
    }

    /// Remembers `key` for `retention` at once, by the digest the key carries; returns `true`.
    public func insertImmediately(_ key: IdempotencyKey, retention: Duration) -> Bool {
        insert(key.digest, retention: retention)
        return true
    }

    /// Whether the key of `digest` is present and unexpired. A new key, the common case, is
    /// answered without reading the clock.
    private func contains(_ digest: Digest) -> Bool {
        guard let expiry = state.withLock({ $0.expiries[digest] }) else { return false }
        return expiry > timekeeper.now()
    }

    /// Remembers the key of `digest` for `retention`.
    private func insert(_ digest: Digest, retention: Duration) {
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
