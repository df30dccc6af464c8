import Testing

@testable import KafkaTransport

@Suite("Partition table")
struct PartitionTableTests {
    @Test func keepsEachPartitionsProgressApartAndListsThemInOrder() {
        var table = PartitionTable()
        table[7] = PartitionProgress(start: 70, metadata: nil)
        table[2] = PartitionProgress(start: 20, metadata: nil)
        #expect(table[7]?.received(70) == 1)
        #expect(table[2]?.received(20) == 1)
        table[7]?.handedOut(70)
        #expect(table[7]?.isPending(70, attempt: 1) == true)
        #expect(table[2]?.isPending(20, attempt: 1) == false)
        #expect(table[3] == nil)
        #expect(table[1_000] == nil)
        #expect(table.map(\.partition) == [2, 7])
        #expect(table.map { $0.progress.commitPosition } == [20, 70])
    }

    @Test func lookingUpAnUnassignedPartitionAssignsNothing() {
        var table = PartitionTable()
        #expect(table[5]?.received(1) == nil)
        table[5]?.settle(1)
        #expect(table[5] == nil)
        #expect(table.map(\.partition).isEmpty)
    }

    @Test func removingAPartitionReturnsItsProgressOnce() {
        var table = PartitionTable()
        table[0] = PartitionProgress(start: 3, metadata: nil)
        table[1] = PartitionProgress(start: 4, metadata: nil)
        #expect(table.remove(0)?.commitPosition == 3)
        #expect(table.remove(0) == nil)
        #expect(table.remove(9) == nil)
        #expect(table.map(\.partition) == [1])
        table.removeAll()
        #expect(table.map(\.partition).isEmpty)
    }
}
