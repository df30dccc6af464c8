/// The expiry of each kept key, by the key's digest: one open-addressing table with linear
/// probing, for ``InMemoryIdempotencyStore``.
///
/// A digest is already a uniformly distributed keyed hash, so it places its slot directly.
/// `Dictionary` would hash it again with SipHash, and keeps keys and values in arrays of their
/// own: in a table of hundreds of thousands of keys, a lookup can then miss the cache once for
/// the key and once more for its expiry, where a slot here holds both. Looking up a new key and
/// then keeping it touch one slot, so they cost one miss.
///
/// The table has as many slots as a load of three quarters needs, not the next power of two:
/// a slot is found from the digest's low half by a multiplication, not a mask. A table of
/// 200 000 keys then takes 8 MiB rather than 16, and more of it stays in the cache.
struct DigestTable {
    private struct Slot {
        var digest: InMemoryIdempotencyStore.Digest
        var expiry: Duration

        static let empty = Slot(digest: .empty, expiry: .zero)

        var isEmpty: Bool { digest == .empty }
    }

    private var slots: [Slot]
    /// The number of kept keys.
    private(set) var count = 0

    /// A table with room for `capacity` keys before it grows.
    init(capacity: Int = 0) {
        slots = Array(repeating: .empty, count: max(16, capacity * 4 / 3 + 1))
    }

    /// The slot `digest` is looked for from: its low half scaled to the number of slots.
    private func home(of digest: InMemoryIdempotencyStore.Digest) -> Int {
        Int(truncatingIfNeeded: digest.low.multipliedFullWidth(by: UInt64(slots.count)).high)
    }

    /// The slot after `index`, going round the end of the table.
    private func after(_ index: Int) -> Int {
        index + 1 == slots.count ? 0 : index + 1
    }

    /// The index of `digest`'s slot, or of the empty slot where it would go.
    private func index(of digest: InMemoryIdempotencyStore.Digest) -> Int {
        var index = home(of: digest)
        while !slots[index].isEmpty, slots[index].digest != digest {
            index = after(index)
        }
        return index
    }

    /// The expiry kept for `digest`, if any.
    subscript(digest: InMemoryIdempotencyStore.Digest) -> Duration? {
        let slot = slots[index(of: digest)]
        return slot.isEmpty ? nil : slot.expiry
    }

    /// Keeps `expiry` for `digest`, replacing an earlier one.
    mutating func set(_ expiry: Duration, for digest: InMemoryIdempotencyStore.Digest) {
        var index = index(of: digest)
        if slots[index].isEmpty {
            if (count + 1) * 4 > slots.count * 3 {
                grow()
                index = self.index(of: digest)
            }
            count += 1
        }
        slots[index] = Slot(digest: digest, expiry: expiry)
    }

    /// Forgets `digest`. The slots after it that would no longer be found from their home slot
    /// move back into the gap, so no probe sequence is ever broken.
    mutating func remove(_ digest: InMemoryIdempotencyStore.Digest) {
        var hole = index(of: digest)
        guard !slots[hole].isEmpty else { return }
        count -= 1
        var next = hole
        while true {
            next = after(next)
            if slots[next].isEmpty { break }
            // The entry at `next` may fill the hole unless its home lies after the hole, up to
            // `next`, going round the end of the table.
            let home = home(of: slots[next].digest)
            let staysPut = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next)
            if !staysPut {
                slots[hole] = slots[next]
                hole = next
            }
        }
        slots[hole] = .empty
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: .empty, count: old.count * 2)
        for slot in old where !slot.isEmpty {
            slots[index(of: slot.digest)] = slot
        }
    }
}
