import DequeModule
import HeapModule
import Messaging

typealias MemberID = UInt64
typealias ClientID = UInt64

/// Continuations to resume once the broker lock is released.
struct Wakeups {
    var deliveries: [(CheckedContinuation<Dispatched?, Never>, Dispatched?)] = []
    var publishers: [CheckedContinuation<Bool, any Error>] = []
    var shutdowns: [CheckedContinuation<Void, Never>] = []

    func resume() {
        for (continuation, dispatched) in deliveries {
            continuation.resume(returning: dispatched)
        }
        for continuation in publishers {
            continuation.resume(returning: false)
        }
        for continuation in shutdowns {
            continuation.resume()
        }
    }
}

// MARK: - Stored data

/// One partition of a topic: an append-only log whose oldest settled messages may be evicted.
struct PartitionLog {
    var firstOffset: Int64 = 0
    var entries: Deque<StoredMessage> = []

    var endOffset: Int64 { firstOffset + Int64(entries.count) }

    func message(at offset: Int64) -> StoredMessage {
        entries[Int(offset - firstOffset)]
    }
}

/// A consumer group's progress in one partition.
struct GroupPartition {
    /// A delivery handed to the holder and not yet settled.
    struct InFlight {
        var offset: Int64
        var attempt: Int
    }

    /// The member that receives this partition's messages.
    var owner: MemberID?
    /// The member holding unsettled deliveries of this partition. A new owner receives nothing
    /// until the previous holder has settled them, so order per key survives a rebalance.
    var holder: MemberID?
    /// The holder's unsettled deliveries, in the order they were dispatched: mostly the order
    /// they are settled in, so a settlement finds its delivery at the front.
    var inFlight: Deque<InFlight> = []
    /// The next offset never delivered.
    var nextOffset: Int64
    /// Every offset below this one is settled.
    var committed: Int64
    var settledAhead: Set<Int64> = []
    var redeliveries = Heap<Int64>()
    /// Hand-outs so far of offsets that were put back for redelivery.
    var attempts: [Int64: Int] = [:]

    init(startingAt offset: Int64) {
        nextOffset = offset
        committed = offset
    }

    /// Removes the in-flight delivery of `offset` with `attempt`; `false` if there is none.
    mutating func takeInFlight(offset: Int64, attempt: Int) -> Bool {
        if let first = inFlight.first, first.offset == offset, first.attempt == attempt {
            inFlight.removeFirst()
            return true
        }
        guard let index = inFlight.firstIndex(where: { $0.offset == offset && $0.attempt == attempt }) else {
            return false
        }
        inFlight.remove(at: index)
        return true
    }

    mutating func markSettled(_ offset: Int64) {
        if !attempts.isEmpty {
            attempts.removeValue(forKey: offset)
        }
        guard offset == committed else {
            settledAhead.insert(offset)
            return
        }
        committed += 1
        while !settledAhead.isEmpty, settledAhead.remove(committed) != nil {
            committed += 1
        }
    }

    mutating func putBack(_ offset: Int64, handOuts: Int) {
        if handOuts > 0 {
            attempts[offset] = handOuts
        } else {
            attempts.removeValue(forKey: offset)
        }
        redeliveries.insert(offset)
    }
}

/// A consumer group on one topic. A class, like ``TopicState`` and ``MemberState``: the broker
/// changes them in place under its lock, without copying them out of their dictionaries.
///
/// Their properties skip the runtime's exclusivity checks (`@exclusivity(unchecked)`): only the
/// broker's lock holder touches them, so no two accesses can overlap, and the checks were about a
/// twelfth of a consuming task's and a publisher's samples. Measured with the checks on:
/// `inmemory-e2e-4x4` 1.21 M against 1.40 M messages/s (−14 %), `inmemory-e2e-1x1` −7 %
/// (medians of alternating runs; see Documentation/Performance.md).
final class GroupState {
    /// Unowned: the topic holds its groups, and lives as long as the broker.
    unowned let topic: TopicState
    /// Active members in the order they joined.
    @exclusivity(unchecked) var members: [MemberState] = []
    @exclusivity(unchecked) var partitions: [GroupPartition]
    @exclusivity(unchecked) var dispatchStart = 0

    init(topic: TopicState, partitions: [GroupPartition]) {
        self.topic = topic
        self.partitions = partitions
    }

    /// Assigns partitions round-robin over the active members, in join order.
    func rebalance() {
        for partition in partitions.indices {
            partitions[partition].owner = members.isEmpty ? nil : members[partition % members.count].id
        }
    }
}

final class TopicState {
    @exclusivity(unchecked) var partitions: [PartitionLog]
    @exclusivity(unchecked) var groups: [String: GroupState] = [:]
    @exclusivity(unchecked) var nextPartition = 0

    init(partitionCount: Int) {
        partitions = Array(repeating: PartitionLog(), count: partitionCount)
    }

    /// The lowest committed offset of any group in `partition`; everything below it is evictable.
    func evictableEnd(of partition: Int) -> Int64 {
        var end = partitions[partition].endOffset
        for group in groups.values {
            end = min(end, group.partitions[partition].committed)
        }
        return end
    }
}

final class MemberState {
    let id: MemberID
    let client: ClientID
    let group: GroupState
    let prefetch: Int
    let lane: MemberLane
    /// Every unsettled delivery of this member: in its lane or handed out.
    @exclusivity(unchecked) var unsettledCount = 0
    /// Dispatched by the running dispatch, for its lane.
    @exclusivity(unchecked) var dispatched: [Dispatched] = []
    @exclusivity(unchecked) var waiter: CheckedContinuation<Dispatched?, Never>?
    /// Shutting down: receives nothing more, may still settle what it holds.
    @exclusivity(unchecked) var isDraining = false
    /// A dispatch passed this member over because it held `prefetch` unsettled deliveries.
    @exclusivity(unchecked) var isThrottled = false

    var handedOutCount: Int { unsettledCount - lane.readyCount }

    init(id: MemberID, client: ClientID, group: GroupState, prefetch: Int, lane: MemberLane) {
        self.id = id
        self.client = client
        self.group = group
        self.prefetch = prefetch
        self.lane = lane
    }
}

struct ClientState {
    var members: Set<MemberID> = []
    var isShutDown = false
    var isFinished = false
    var shutdownRequestWaiters = ContinuationList<Void, Never>()
    var shutdownWaiters = ContinuationList<Void, Never>()
}

// MARK: - The broker's state

/// Everything an ``InMemoryBroker`` holds, changed only under its lock. Every mutating method
/// returns, or appends to, the continuations to resume once the lock is released.
struct BrokerState {
    let configuration: InMemoryBroker.Configuration
    var topics: [String: TopicState] = [:]
    var members: [MemberID: MemberState] = [:]
    var clients: [ClientID: ClientState] = [:]
    var retainedBytes = 0
    private(set) var publishWaiters = ContinuationList<Bool, any Error>()
    private var lastID: UInt64 = 0

    init(configuration: InMemoryBroker.Configuration) {
        self.configuration = configuration
    }

    mutating func makeID() -> UInt64 {
        lastID += 1
        return lastID
    }

    mutating func createTopic(_ name: String, partitionCount: Int) throws(MessagingError) {
        if let existing = topics[name] {
            guard existing.partitions.count == partitionCount else {
                throw MessagingError(
                    .topicConflict,
                    "Topic '\(name)' already exists with \(existing.partitions.count) partitions, not \(partitionCount)."
                )
            }
            return
        }
        topics[name] = TopicState(partitionCount: partitionCount)
    }

    mutating func deleteGroup(_ group: String, from topic: String, wakeups: inout Wakeups) throws(MessagingError) {
        guard let state = topics[topic]?.groups[group] else {
            throw MessagingError(.invalidGroup, "Topic '\(topic)' has no consumer group '\(group)'.")
        }
        let active = members.values.filter { $0.group === state }.count
        guard active == 0, state.members.isEmpty else {
            throw MessagingError(
                .invalidGroup,
                "Consumer group '\(group)' on topic '\(topic)' still has \(active) members; close their subscriptions first."
            )
        }
        topics[topic]!.groups.removeValue(forKey: group)
        wakePublishers(&wakeups)
    }

    private mutating func ensureTopic(_ name: String) -> TopicState {
        if let topic = topics[name] {
            return topic
        }
        let topic = TopicState(partitionCount: configuration.defaultPartitionCount)
        topics[name] = topic
        return topic
    }

    private func checkOpen(_ client: ClientID) throws(MessagingError) {
        if clients[client]?.isShutDown ?? true {
            throw MessagingError(.shutDown, "The in-memory transport has been shut down.")
        }
    }

    // MARK: Publishing

    enum PublishOutcome {
        case published
        case mustWait
    }

    /// Appends the whole batch, or nothing: room is made first, and if it cannot be made the
    /// batch is refused or the caller must wait.
    mutating func publish(
        _ batch: [StoredMessage],
        byteCount: Int,
        to topic: String,
        from client: ClientID,
        wakeups: inout Wakeups
    ) throws(MessagingError) -> PublishOutcome {
        try checkOpen(client)
        if byteCount > configuration.memoryLimit {
            throw MessagingError(
                .capacityExceeded,
                "The batch holds \(byteCount) bytes, more than the broker's whole memory limit of \(configuration.memoryLimit) bytes."
            )
        }
        let topicState = ensureTopic(topic)
        if retainedBytes + byteCount > configuration.memoryLimit {
            evict(toFree: retainedBytes + byteCount - configuration.memoryLimit, wakeups: &wakeups)
            if retainedBytes + byteCount > configuration.memoryLimit {
                if configuration.whenFull == .fail {
                    throw MessagingError(
                        .capacityExceeded,
                        "The in-memory broker holds \(retainedBytes) of \(configuration.memoryLimit) bytes in unsettled messages; the batch of \(byteCount) bytes does not fit.",
                        isRetriable: true
                    )
                }
                return .mustWait
            }
        }
        let partitionCount = topicState.partitions.count
        for message in batch {
            let partition: Int
            if let key = message.key {
                partition = Self.partition(forKey: key, count: partitionCount)
            } else {
                partition = topicState.nextPartition
                topicState.nextPartition = partition + 1 == partitionCount ? 0 : partition + 1
            }
            topicState.partitions[partition].entries.append(message)
        }
        retainedBytes += byteCount
        if let retained = configuration.retainedMessagesPerPartition {
            recordKept(on: topicState, wakeups: &wakeups)
            for partition in 0..<partitionCount {
                evict(in: topicState, partition: partition, keeping: retained, toFree: nil)
            }
        }
        for group in topicState.groups.values {
            dispatch(group, wakeups: &wakeups)
        }
        return .published
    }

    /// FNV-1a over the key's UTF-8 bytes: stable across processes and runs.
    static func partition(forKey key: String, count: Int) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in key.utf8 {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        return Int(hash % UInt32(count))
    }

    // MARK: Eviction

    /// Evicts settled messages, oldest first in each partition, until `bytes` are freed or
    /// nothing more may go.
    private mutating func evict(toFree bytes: Int, wakeups: inout Wakeups) {
        var remaining = bytes
        for topic in topics.values {
            recordKept(on: topic, wakeups: &wakeups)
            for partition in topic.partitions.indices where remaining > 0 {
                remaining -= evict(in: topic, partition: partition, keeping: 0, toFree: remaining)
            }
            if remaining <= 0 { return }
        }
    }

    /// Evicts settled messages from the front of one partition while more than `keeping` remain
    /// and, if given, until `toFree` bytes are freed. Returns the bytes freed.
    @discardableResult
    private mutating func evict(in topic: TopicState, partition: Int, keeping: Int, toFree: Int?) -> Int {
        let end = topic.evictableEnd(of: partition)
        var freed = 0
        while freed < (toFree ?? .max),
            topic.partitions[partition].entries.count > keeping,
            topic.partitions[partition].firstOffset < end
        {
            let message = topic.partitions[partition].entries.removeFirst()
            topic.partitions[partition].firstOffset += 1
            freed += message.byteCount
        }
        retainedBytes -= freed
        return freed
    }

    // MARK: Subscribing

    mutating func join(
        topic: String,
        group: String,
        options: SubscriptionOptions,
        client: ClientID,
        lane: MemberLane,
        wakeups: inout Wakeups
    ) throws(MessagingError) {
        try checkOpen(client)
        let topicState = ensureTopic(topic)
        let groupState: GroupState
        if let existing = topicState.groups[group] {
            groupState = existing
        } else {
            let positions = topicState.partitions.map {
                GroupPartition(startingAt: options.startPosition == .earliest ? $0.firstOffset : $0.endOffset)
            }
            groupState = GroupState(topic: topicState, partitions: positions)
            topicState.groups[group] = groupState
        }
        let member = MemberState(
            id: lane.member,
            client: client,
            group: groupState,
            prefetch: options.prefetch,
            lane: lane
        )
        members[member.id] = member
        clients[client]!.members.insert(member.id)
        groupState.members.append(member)
        groupState.rebalance()
        updateSettling()
        dispatch(groupState, wakeups: &wakeups)
    }

    enum NextOutcome {
        case delivery(Dispatched)
        case finished
        case mustWait
    }

    /// The member's next delivery, dispatching first if its lane is empty; parks `continuation`
    /// when nothing is ready.
    mutating func next(
        for member: MemberID,
        orPark continuation: CheckedContinuation<Dispatched?, Never>? = nil,
        wakeups: inout Wakeups
    ) -> NextOutcome {
        guard let state = members[member], !state.isDraining else { return .finished }
        var next = state.lane.take()
        if case .empty = next {
            dispatch(state.group, wakeups: &wakeups)
            next = state.lane.take()
        }
        switch next {
        case .ready(let dispatched):
            return .delivery(dispatched)
        case .closed:
            return .finished
        case .empty:
            if let continuation {
                // A parked member's settlements go to the broker at once, so that the one that
                // frees room refills it. Acknowledgements its lane kept since the dispatch above
                // are recorded now, and may make that room.
                state.waiter = continuation
                state.lane.settleAtOnce(true)
                let late = state.lane.takeSettled()
                if !late.isEmpty {
                    recordKept(late, of: state, wakeups: &wakeups)
                    dispatch(state.group, wakeups: &wakeups)
                }
            }
            return .mustWait
        }
    }

    /// Removes a member: its unsettled deliveries go back to the group, its partitions to the
    /// remaining members.
    mutating func leave(_ member: MemberID, wakeups: inout Wakeups) {
        guard let state = members.removeValue(forKey: member) else { return }
        if let waiter = state.waiter.take() {
            wakeups.deliveries.append((waiter, nil))
        }
        putBackLane(of: state, leaving: true, wakeups: &wakeups)
        let group = state.group
        for partition in group.partitions.indices where group.partitions[partition].holder == member {
            for delivery in group.partitions[partition].inFlight {
                group.partitions[partition].putBack(delivery.offset, handOuts: delivery.attempt)
            }
            group.partitions[partition].inFlight.removeAll()
            group.partitions[partition].holder = nil
        }
        group.members.removeAll { $0 === state }
        clients[state.client]?.members.remove(member)
        group.rebalance()
        updateSettling()
        dispatch(group, wakeups: &wakeups)
        finishShutdownIfDrained(state.client, wakeups: &wakeups)
    }

    // MARK: Settling

    /// Records `settlements` of `member`'s deliveries, checked by its lane and in the order they
    /// were made: each is acknowledged or skipped, except the last when `requeueingLast`.
    mutating func record(
        _ settlements: [HandOut],
        requeueingLast: Bool,
        by member: MemberID,
        wakeups: inout Wakeups
    ) {
        guard let state = members[member] else { return }
        let group = state.group
        var advanced = false
        var released = false
        for (index, settlement) in settlements.enumerated() {
            let requeue = requeueingLast && index == settlements.count - 1
            let outcome = Self.record(settlement, requeue: requeue, of: state, in: group)
            advanced = advanced || outcome.advanced
            released = released || outcome.released
        }
        // Only a settlement that frees room for a throttled member, releases a partition to
        // another owner, or puts a message back can let the group's dispatch hand out anything
        // new. A throttled member is refilled when half its prefetch is free, or at once when it
        // waits, so a busy group dispatches once per many acknowledgements; a member whose lane
        // runs dry dispatches for itself (see `next(for:orPark:wakeups:)`).
        let refill = state.isThrottled && (state.waiter != nil || state.unsettledCount <= state.prefetch / 2)
        if refill {
            state.isThrottled = false
        }
        if refill || requeueingLast || released {
            dispatch(group, wakeups: &wakeups)
        }
        if advanced {
            wakePublishers(&wakeups)
        }
        if state.isDraining, state.handedOutCount == 0 {
            finishShutdownIfDrained(state.client, wakeups: &wakeups)
        }
    }

    /// Records one settlement; returns whether the group's position moved and whether the
    /// partition went free for another owner.
    private static func record(
        _ settlement: HandOut,
        requeue: Bool,
        of state: MemberState,
        in group: GroupState
    ) -> (advanced: Bool, released: Bool) {
        let partition = settlement.partition
        let found = group.partitions[partition].takeInFlight(offset: settlement.offset, attempt: settlement.attempt)
        assert(found, "a lane settled a delivery its broker does not hold in flight")
        state.unsettledCount -= 1
        let committedBefore = group.partitions[partition].committed
        if requeue {
            group.partitions[partition].putBack(settlement.offset, handOuts: settlement.attempt)
        } else {
            group.partitions[partition].markSettled(settlement.offset)
        }
        var released = false
        if group.partitions[partition].inFlight.isEmpty {
            group.partitions[partition].holder = nil
            released = group.partitions[partition].owner != state.id
        }
        return (group.partitions[partition].committed > committedBefore, released)
    }

    /// Records acknowledgements or skips `member`'s lane kept, and wakes waiting publishers if
    /// the group's position moved.
    private mutating func recordKept(_ settlements: [HandOut], of member: MemberState, wakeups: inout Wakeups) {
        var advanced = false
        for settlement in settlements {
            advanced = Self.record(settlement, requeue: false, of: member, in: member.group).advanced || advanced
        }
        if advanced {
            wakePublishers(&wakeups)
        }
    }

    /// Records the settlements the lanes of `group`'s members kept.
    private mutating func recordKept(of group: GroupState, wakeups: inout Wakeups) {
        for member in group.members {
            recordKept(member.lane.takeSettled(), of: member, wakeups: &wakeups)
        }
    }

    /// Records the settlements every lane on `topic` kept, so that its committed positions are
    /// current.
    mutating func recordKept(on topic: TopicState, wakeups: inout Wakeups) {
        for group in topic.groups.values {
            recordKept(of: group, wakeups: &wakeups)
        }
    }

    private mutating func wakePublishers(_ wakeups: inout Wakeups) {
        guard !publishWaiters.isEmpty else { return }
        wakeups.publishers.append(contentsOf: publishWaiters.takeAll())
        updateSettling()
    }

    /// A ticket for a publisher that may have to wait for room, which it parks under.
    mutating func publishTicket() -> Int {
        publishWaiters.nextTicket()
    }

    /// Parks a publisher until settlements make room; lanes settle at once meanwhile, so that
    /// the first settlement that frees room wakes it.
    mutating func park(_ publisher: CheckedContinuation<Bool, any Error>, as ticket: Int) {
        publishWaiters.append(publisher, ticket: ticket)
        updateSettling()
    }

    /// Removes a parked publisher.
    mutating func unpark(_ ticket: Int) -> CheckedContinuation<Bool, any Error>? {
        defer { updateSettling() }
        return publishWaiters.remove(ticket)
    }

    /// Whether `member`'s lane sends its settlements to the broker at once rather than keep its
    /// acknowledgements for the broker's next dispatch: unless the member is its group's only one,
    /// it is not parked waiting for a delivery, and no publisher waits for room.
    private func settlesAtOnce(_ member: MemberState) -> Bool {
        !publishWaiters.isEmpty || member.group.members.count > 1 || member.waiter != nil
    }

    /// Tells each lane whether to send its settlements to the broker at once.
    private func updateSettling() {
        for member in members.values {
            member.lane.settleAtOnce(settlesAtOnce(member))
        }
    }

    // MARK: Dispatch

    /// Hands each partition's next messages to its owner, up to the owner's prefetch, one
    /// message per partition in turn; then fills each member's lane in one step.
    private mutating func dispatch(_ group: GroupState, wakeups: inout Wakeups) {
        recordKept(of: group, wakeups: &wakeups)
        // Nothing can be handed out while every member holds its prefetch.
        guard group.members.contains(where: { $0.unsettledCount < $0.prefetch }) else {
            for member in group.members {
                member.isThrottled = true
            }
            return
        }
        let logs = group.topic.partitions
        let owners = group.partitions.map { partition in partition.owner.flatMap { members[$0] } }
        // Moved out of the group for the loop, so each step changes a uniquely held array.
        var partitions = group.partitions
        group.partitions = []
        let partitionCount = partitions.count
        let start = group.dispatchStart
        group.dispatchStart = start + 1 == partitionCount ? 0 : start + 1
        var progress = true
        while progress {
            progress = false
            var partition = start
            for _ in 0..<partitionCount {
                if let owner = owners[partition],
                    let dispatched = Self.dispatchNext(
                        of: partition,
                        &partitions[partition],
                        logs[partition],
                        to: owner
                    )
                {
                    progress = true
                    if let waiter = owner.waiter.take() {
                        owner.lane.handOut(dispatched, settlingAtOnce: settlesAtOnce(owner))
                        wakeups.deliveries.append((waiter, dispatched))
                    } else {
                        owner.dispatched.append(dispatched)
                    }
                }
                partition = partition + 1 == partitionCount ? 0 : partition + 1
            }
        }
        group.partitions = partitions
        for member in group.members where !member.dispatched.isEmpty {
            member.lane.append(member.dispatched)
            member.dispatched.removeAll(keepingCapacity: true)
        }
    }

    /// The next message of `partition` for its owner, if the owner has room and the partition
    /// is not held by another member.
    private static func dispatchNext(
        of partition: Int,
        _ progress: inout GroupPartition,
        _ log: PartitionLog,
        to owner: MemberState
    ) -> Dispatched? {
        guard progress.holder == nil || progress.holder == owner.id else { return nil }
        guard owner.unsettledCount < owner.prefetch else {
            owner.isThrottled = true
            return nil
        }
        let offset: Int64
        let attempt: Int
        if let redelivery = progress.redeliveries.popMin() {
            offset = redelivery
            attempt = (progress.attempts[offset] ?? 0) + 1
        } else if progress.nextOffset < log.endOffset {
            offset = progress.nextOffset
            progress.nextOffset += 1
            attempt = 1
        } else {
            return nil
        }
        progress.holder = owner.id
        progress.inFlight.append(GroupPartition.InFlight(offset: offset, attempt: attempt))
        owner.unsettledCount += 1
        return Dispatched(message: log.message(at: offset), partition: partition, offset: offset, attempt: attempt)
    }

    // MARK: Shutdown

    /// Stops a client: no more publishing or subscribing, its sequences end, and the deliveries
    /// in its lanes go back to their groups. Handed-out deliveries may still be settled.
    mutating func beginShutdown(_ client: ClientID, wakeups: inout Wakeups) {
        guard clients[client] != nil, !clients[client]!.isShutDown else { return }
        clients[client]!.isShutDown = true
        wakeups.shutdowns.append(contentsOf: clients[client]!.shutdownRequestWaiters.takeAll())
        for member in clients[client]!.members {
            drain(member, wakeups: &wakeups)
        }
        finishShutdownIfDrained(client, wakeups: &wakeups)
    }

    private mutating func drain(_ member: MemberID, wakeups: inout Wakeups) {
        guard let state = members[member] else { return }
        state.isDraining = true
        if let waiter = state.waiter.take() {
            wakeups.deliveries.append((waiter, nil))
        }
        putBackLane(of: state, leaving: false, wakeups: &wakeups)
        let group = state.group
        group.members.removeAll { $0 === state }
        group.rebalance()
        updateSettling()
        dispatch(group, wakeups: &wakeups)
    }

    /// Closes the member's lane, records the settlements it kept, and puts what was waiting in it
    /// back to the group, as never handed out.
    private mutating func putBackLane(of state: MemberState, leaving: Bool, wakeups: inout Wakeups) {
        let group = state.group
        let (ready, settled) = state.lane.close(leaving: leaving)
        recordKept(settled, of: state, wakeups: &wakeups)
        for dispatched in ready {
            let partition = dispatched.partition
            _ = group.partitions[partition].takeInFlight(offset: dispatched.offset, attempt: dispatched.attempt)
            state.unsettledCount -= 1
            group.partitions[partition].putBack(dispatched.offset, handOuts: dispatched.attempt - 1)
            if group.partitions[partition].inFlight.isEmpty {
                group.partitions[partition].holder = nil
            }
        }
    }

    /// Completes a shutdown once nothing its client handed out is unsettled.
    private mutating func finishShutdownIfDrained(_ client: ClientID, wakeups: inout Wakeups) {
        guard let state = clients[client], state.isShutDown, !state.isFinished else { return }
        guard state.members.allSatisfy({ (members[$0]?.handedOutCount ?? 0) == 0 }) else { return }
        finishShutdown(client, wakeups: &wakeups)
    }

    /// Ends a shutdown now: members leave, anything still unsettled goes back to its group.
    mutating func finishShutdown(_ client: ClientID, wakeups: inout Wakeups) {
        guard clients[client] != nil, !clients[client]!.isFinished else { return }
        clients[client]!.isFinished = true
        for member in clients[client]!.members {
            leave(member, wakeups: &wakeups)
        }
        wakeups.shutdowns.append(contentsOf: clients[client]!.shutdownWaiters.takeAll())
    }
}
