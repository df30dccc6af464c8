import DequeModule

/// One assigned partition as its member sees it: which received offsets are unsettled, which of
/// those were handed out, and the position that may be committed.
///
/// Offsets need not be contiguous (compaction and transaction markers leave gaps): the commit
/// position is the oldest unsettled offset received, or the one after the newest received.
/// Offsets arrive in increasing order, so the unsettled ones are kept in one ordered deque and
/// found by position (or binary search when there are gaps); no hashing per delivery.
struct PartitionProgress {
    private struct Entry {
        var offset: Int64
        /// The attempt of the offset's current delivery.
        var attempt: Int
        var isHandedOut = false
        var isSettled = false
    }

    /// Offsets received, oldest first, from the oldest unsettled one.
    private var entries: Deque<Entry> = []
    private var start: Int64?
    private var lastReceived: Int64?
    /// Unsettled offsets the application holds.
    private(set) var handedOutUnsettledCount = 0
    /// The position last committed by this member.
    var committed: Int64?
    /// Offsets below this were handed out by an earlier owner and not settled.
    let handedOutBefore: Int64
    /// The attempts those deliveries had reached.
    let earlierAttempts: Int

    /// - Parameters:
    ///   - start: The offset consumption starts at, when known.
    ///   - metadata: The commit metadata the previous owner left, if any.
    init(start: Int64?, metadata: String?) {
        self.start = start
        let handover = metadata.flatMap(Self.parse)
        handedOutBefore = handover?.before ?? -1
        earlierAttempts = handover?.attempt ?? 0
    }

    /// Records a received offset and returns the attempt its delivery is: one more than an
    /// earlier owner's for an offset that owner had handed out, else 1. Returns `nil` (and
    /// records nothing) for an offset not after the newest received, which librdkafka can hand
    /// over again after a rebalance.
    mutating func received(_ offset: Int64) -> Int? {
        if let lastReceived, offset <= lastReceived { return nil }
        let attempt = offset < handedOutBefore ? earlierAttempts + 1 : 1
        entries.append(Entry(offset: offset, attempt: attempt))
        lastReceived = offset
        if start == nil {
            start = offset
        }
        return attempt
    }

    private func index(of offset: Int64) -> Int? {
        guard let first = entries.first?.offset, offset >= first else { return nil }
        let guess = Int(clamping: offset - first)
        if guess < entries.count, entries[guess].offset == offset { return guess }
        var low = 0
        var high = min(guess, entries.count)
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].offset < offset { low = middle + 1 } else { high = middle }
        }
        return low < entries.count && entries[low].offset == offset ? low : nil
    }

    mutating func handedOut(_ offset: Int64) {
        guard let index = index(of: offset), !entries[index].isHandedOut else { return }
        entries[index].isHandedOut = true
        handedOutUnsettledCount += 1
    }

    func isPending(_ offset: Int64, attempt: Int) -> Bool {
        guard let index = index(of: offset) else { return false }
        let entry = entries[index]
        return entry.isHandedOut && !entry.isSettled && entry.attempt == attempt
    }

    mutating func settle(_ offset: Int64) {
        guard let index = index(of: offset), !entries[index].isSettled else { return }
        if entries[index].isHandedOut {
            entries[index].isHandedOut = false
            handedOutUnsettledCount -= 1
        }
        entries[index].isSettled = true
        while entries.first?.isSettled == true {
            entries.removeFirst()
        }
    }

    mutating func requeue(_ offset: Int64, attempt: Int) {
        guard let index = index(of: offset) else { return }
        entries[index].attempt = attempt
        if entries[index].isHandedOut {
            entries[index].isHandedOut = false
            handedOutUnsettledCount -= 1
        }
    }

    /// Everything before this offset is settled; `nil` while the start is unknown.
    var commitPosition: Int64? {
        entries.first?.offset ?? lastReceived.map { $0 + 1 } ?? start
    }

    var hasHandedOutUnsettled: Bool { handedOutUnsettledCount > 0 }

    /// Commit metadata telling the next owner which unsettled offsets were already delivered.
    var handoverMetadata: String? {
        let delivered = entries.filter { !$0.isSettled && ($0.isHandedOut || $0.attempt > 1) }
        guard let last = delivered.last?.offset, let attempt = delivered.map(\.attempt).max() else { return nil }
        return "handed-out-before=\(last + 1);attempt=\(attempt)"
    }

    private static func parse(_ metadata: String) -> (before: Int64, attempt: Int)? {
        var values: [Substring: Int64] = [:]
        for field in metadata.split(separator: ";") {
            let parts = field.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let value = Int64(parts[1]) {
                values[parts[0]] = value
            }
        }
        guard let before = values["handed-out-before"], let attempt = values["attempt"] else { return nil }
        return (before, Int(attempt))
    }
}
