/// The progress of each partition assigned to a member, found by partition number.
///
/// A topic's partitions are numbered from 0, so the table is an array indexed by number. The
/// consumer looks a partition up about four times per record (received, handed out, checked and
/// settled); a `Dictionary` hashed the number with SipHash each time and copied the progress out
/// for each read.
struct PartitionTable: Sequence {
    private var slots: [PartitionProgress?] = []

    /// The progress of `partition`, `nil` unless it is assigned. Setting a progress assigns the
    /// partition; setting `nil` removes it.
    subscript(partition: Int32) -> PartitionProgress? {
        _read {
            let index = Int(partition)
            if slots.indices.contains(index) {
                yield slots[index]
            } else {
                yield nil
            }
        }
        _modify {
            let index = Int(partition)
            guard index >= 0 else {
                var unassigned: PartitionProgress?
                yield &unassigned
                precondition(unassigned == nil, "Kafka partitions are numbered from 0, not \(partition).")
                return
            }
            if index >= slots.count {
                slots.append(contentsOf: repeatElement(nil, count: index + 1 - slots.count))
            }
            yield &slots[index]
        }
    }

    /// Removes `partition` and returns its progress, if it was assigned.
    mutating func remove(_ partition: Int32) -> PartitionProgress? {
        guard slots.indices.contains(Int(partition)) else { return nil }
        return slots[Int(partition)].take()
    }

    mutating func removeAll() {
        slots.removeAll()
    }

    /// The assigned partitions and their progress, by partition number.
    func makeIterator() -> some IteratorProtocol<(partition: Int32, progress: PartitionProgress)> {
        slots.enumerated().lazy.compactMap { index, progress in
            progress.map { (Int32(index), $0) }
        }.makeIterator()
    }
}
