import DequeModule

/// One assigned partition as its member sees it: which received offsets are unsettled, which of
/// those were handed out, and the position that may be committed.
///
/// Offsets need not be contiguous (compaction and transaction markers leave gaps): the commit
/// position is the oldest unsettled offset received, or the one after the newest received.
struct PartitionProgress: Equatable {
    /// Offsets received and not yet settled, oldest first.
    private var outstanding: Deque<Int64> = []
    private var settledAhead: Set<Int64> = []
    /// The attempt of each unsettled offset's current delivery.
    private var attempts: [Int64: Int] = [:]
    /// Unsettled offsets the application holds.
    private var handedOutOffsets: Set<Int64> = []
    private var start: Int64?
    private var lastReceived: Int64?
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

    mutating func received(_ offset: Int64, attempt: Int) {
        outstanding.append(offset)
        attempts[offset] = attempt
        lastReceived = offset
        if start == nil {
            start = offset
        }
    }

    mutating func handedOut(_ offset: Int64) {
        handedOutOffsets.insert(offset)
    }

    func isPending(_ offset: Int64, attempt: Int) -> Bool {
        handedOutOffsets.contains(offset) && attempts[offset] == attempt
    }

    mutating func settle(_ offset: Int64) {
        attempts.removeValue(forKey: offset)
        handedOutOffsets.remove(offset)
        settledAhead.insert(offset)
        while let first = outstanding.first, settledAhead.remove(first) != nil {
            outstanding.removeFirst()
        }
    }

    mutating func requeue(_ offset: Int64, attempt: Int) {
        attempts[offset] = attempt
        handedOutOffsets.remove(offset)
    }

    /// Everything before this offset is settled; `nil` while the start is unknown.
    var commitPosition: Int64? {
        outstanding.first ?? lastReceived.map { $0 + 1 } ?? start
    }

    var hasHandedOutUnsettled: Bool { !handedOutOffsets.isEmpty }
    var handedOutUnsettledCount: Int { handedOutOffsets.count }

    /// Commit metadata telling the next owner which unsettled offsets were already delivered.
    var handoverMetadata: String? {
        let delivered = attempts.filter { handedOutOffsets.contains($0.key) || $0.value > 1 }
        guard let last = delivered.keys.max(), let attempt = delivered.values.max() else { return nil }
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
