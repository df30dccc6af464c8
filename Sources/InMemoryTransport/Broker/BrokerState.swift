import DequeModule
import HeapModule
import Messaging

typealias MemberID = UInt64
typealias ClientID = UInt64

/// A partition and offset: which stored message a delivery carries.
struct DeliveryKey: Hashable {
    var partition: Int
    var offset: Int64
}

/// Continuations to resume once the broker lock is released.
struct Wakeups {
    var deliveries: [(CheckedContinuation<Delivery?, Never>, Delivery?)] = []
    var publishers: [CheckedContinuation<Bool, any Error>] = []
    var shutdowns: [CheckedContinuation<Void, Never>] = []

    func resume() {
        for (continuation, delivery) in deliveries {
            continuation.resume(returning: delivery)
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
    struct Entry {
        var message: Message
        var byteCount: Int
    }

    var firstOffset: Int64 = 0
    var entries: Deque<Entry> = []

    var endOffset: Int64 { firstOffset + Int64(entries.count) }

    func message(at offset: Int64) -> Message {
        entries[Int(offset - firstOffset)].message
    }
}

/// A consumer group's progress in one partition.
struct GroupPartition {
    /// The member that receives this partition's messages.
    var owner: MemberID?
    /// The member holding unsettled deliveries of this partition. A new owner receives nothing
    /// until the previous holder has settled them, so order per key survives a rebalance.
    var holder: MemberID?
    var outstanding = 0
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

    mutating func markSettled(_ offset: Int64) {
        attempts.removeValue(forKey: offset)
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
final class GroupState {
    let topic: String
    let name: String
    /// Active members in the order they joined.
    var members: [MemberID] = []
    var partitions: [GroupPartition]
    var dispatchStart = 0

    init(topic: String, name: String, partitions: [GroupPartition]) {
        self.topic = topic
        self.name = name
        self.partitions = partitions
    }

    /// Assigns partitions round-robin over the active members, in join order.
    func rebalance() {
        for partition in partitions.indices {
            partitions[partition].owner = members.isEmpty ? nil : members[partition % members.count]
        }
    }
}

final class TopicState {
    var partitions: [PartitionLog]
    var groups: [String: GroupState] = [:]
    var nextPartition = 0

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
    let client: ClientID
    let topic: String
    let group: String
    let prefetch: Int
    let settler: MemberSettler
    /// Dispatched deliveries not yet handed out by the iterator.
    var buffer: Deque<Delivery> = []
    /// Every unsettled delivery of this member (buffered or handed out), with its attempt.
    var unsettled: [DeliveryKey: Int] = [:]
    var waiter: CheckedContinuation<Delivery?, Never>?
    /// Shutting down: receives nothing more, may still settle what it holds.
    var isDraining = false
    /// A dispatch passed this member over because it held `prefetch` unsettled deliveries.
    var isThrottled = false

    var handedOutCount: Int { unsettled.count - buffer.count }

    init(client: ClientID, topic: String, group: String, prefetch: Int, settler: MemberSettler) {
        self.client = client
        self.topic = topic
        self.group = group
        self.prefetch = prefetch
        self.settler = settler
    }
}

struct ClientState {
    var members: Set<MemberID> = []
    var isShutDown = false
    var isFinished = false
    var shutdownRequestWaiters: [CheckedContinuation<Void, Never>] = []
    var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
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
    var publishWaiters: [UInt64: CheckedContinuation<Bool, any Error>] = [:]
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
        let active = members.values.filter { $0.topic == topic && $0.group == group }.count
        guard active == 0, state.members.isEmpty else {
            throw MessagingError(
                .invalidGroup,
                "Consumer group '\(group)' on topic '\(topic)' still has \(active) members; close their subscriptions first."
            )
        }
        topics[topic]!.groups.removeValue(forKey: group)
        wakeups.publishers.append(contentsOf: publishWaiters.values)
        publishWaiters.removeAll()
    }

    private mutating func ensureTopic(_ name: String) {
        if topics[name] == nil {
            topics[name] = TopicState(partitionCount: configuration.defaultPartitionCount)
        }
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
        _ batch: [PartitionLog.Entry],
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
        ensureTopic(topic)
        if retainedBytes + byteCount > configuration.memoryLimit {
            evict(toFree: retainedBytes + byteCount - configuration.memoryLimit)
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
        let partitionCount = topics[topic]!.partitions.count
        for entry in batch {
            let partition: Int
            if let key = entry.message.key {
                partition = Self.partition(forKey: key, count: partitionCount)
            } else {
                partition = topics[topic]!.nextPartition
                topics[topic]!.nextPartition = (partition + 1) % partitionCount
            }
            topics[topic]!.partitions[partition].entries.append(entry)
        }
        retainedBytes += byteCount
        if let retained = configuration.retainedMessagesPerPartition {
            for partition in 0..<partitionCount {
                evict(in: topic, partition: partition, keeping: retained, toFree: nil)
            }
        }
        dispatchAllGroups(of: topic, wakeups: &wakeups)
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
    private mutating func evict(toFree bytes: Int) {
        var remaining = bytes
        for topic in topics.keys {
            for partition in topics[topic]!.partitions.indices where remaining > 0 {
                remaining -= evict(in: topic, partition: partition, keeping: 0, toFree: remaining)
            }
            if remaining <= 0 { return }
        }
    }

    /// Evicts settled messages from the front of one partition while more than `keeping` remain
    /// and, if given, until `toFree` bytes are freed. Returns the bytes freed.
    @discardableResult
    private mutating func evict(in topic: String, partition: Int, keeping: Int, toFree: Int?) -> Int {
        let end = topics[topic]!.evictableEnd(of: partition)
        var freed = 0
        while freed < (toFree ?? .max),
            topics[topic]!.partitions[partition].entries.count > keeping,
            topics[topic]!.partitions[partition].firstOffset < end
        {
            let entry = topics[topic]!.partitions[partition].entries.removeFirst()
            topics[topic]!.partitions[partition].firstOffset += 1
            freed += entry.byteCount
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
        settler: MemberSettler,
        wakeups: inout Wakeups
    ) throws(MessagingError) {
        try checkOpen(client)
        ensureTopic(topic)
        if topics[topic]!.groups[group] == nil {
            let positions = topics[topic]!.partitions.map {
                GroupPartition(startingAt: options.startPosition == .earliest ? $0.firstOffset : $0.endOffset)
            }
            topics[topic]!.groups[group] = GroupState(topic: topic, name: group, partitions: positions)
        }
        let member = settler.member
        members[member] = MemberState(
            client: client,
            topic: topic,
            group: group,
            prefetch: options.prefetch,
            settler: settler
        )
        clients[client]!.members.insert(member)
        topics[topic]!.groups[group]!.members.append(member)
        rebalance(topic: topic, group: group)
        dispatch(topic: topic, group: group, wakeups: &wakeups)
    }

    enum NextOutcome {
        case delivery(Delivery)
        case finished
        case mustWait
    }

    mutating func next(for member: MemberID) -> NextOutcome {
        guard members[member] != nil, !members[member]!.isDraining else { return .finished }
        if let delivery = members[member]!.buffer.popFirst() {
            return .delivery(delivery)
        }
        return .mustWait
    }

    /// Like ``next(for:)``, but parks `continuation` when nothing is ready.
    mutating func next(for member: MemberID, orPark continuation: CheckedContinuation<Delivery?, Never>) -> NextOutcome
    {
        let outcome = next(for: member)
        if case .mustWait = outcome {
            members[member]!.waiter = continuation
        }
        return outcome
    }

    /// Removes a member: its unsettled deliveries go back to the group, its partitions to the
    /// remaining members.
    mutating func leave(_ member: MemberID, wakeups: inout Wakeups) {
        guard let state = members.removeValue(forKey: member) else { return }
        if let waiter = state.waiter {
            wakeups.deliveries.append((waiter, nil))
        }
        let buffered = Set(state.buffer.lazy.map { DeliveryKey(partition: $0.partition, offset: $0.offset) })
        let group = topics[state.topic]!.groups[state.group]!
        for (key, attempt) in state.unsettled {
            group.partitions[key.partition].putBack(
                key.offset,
                handOuts: buffered.contains(key) ? attempt - 1 : attempt
            )
        }
        for partition in group.partitions.indices where group.partitions[partition].holder == member {
            group.partitions[partition].holder = nil
            group.partitions[partition].outstanding = 0
        }
        group.members.removeAll { $0 == member }
        clients[state.client]?.members.remove(member)
        rebalance(topic: state.topic, group: state.group)
        dispatch(topic: state.topic, group: state.group, wakeups: &wakeups)
        finishShutdownIfDrained(state.client, wakeups: &wakeups)
    }

    // MARK: Settling

    enum Settlement {
        case acknowledge
        case skip
        case requeue
    }

    mutating func settle(_ delivery: Delivery, by member: MemberID, as settlement: Settlement, wakeups: inout Wakeups)
        throws(MessagingError)
    {
        let key = DeliveryKey(partition: delivery.partition, offset: delivery.offset)
        // The attempt tells a redelivery of the same offset from the stale delivery before it.
        guard let state = members[member], state.unsettled[key] == delivery.attempt,
            let group = topics[state.topic]?.groups[state.group]
        else {
            throw MessagingError(
                .deliveryNotPending,
                "Delivery of message \(delivery.message.id) (\(delivery.topic)/\(delivery.partition)@\(delivery.offset), group '\(delivery.group)') was already settled or its subscription has ended."
            )
        }
        state.unsettled.removeValue(forKey: key)
        let committedBefore = group.partitions[key.partition].committed
        switch settlement {
        case .acknowledge, .skip:
            group.partitions[key.partition].markSettled(key.offset)
        case .requeue:
            group.partitions[key.partition].putBack(key.offset, handOuts: delivery.attempt)
        }
        group.partitions[key.partition].outstanding -= 1
        let released = group.partitions[key.partition].outstanding == 0
        if released {
            group.partitions[key.partition].holder = nil
        }
        // Only a settlement that frees room for a throttled member, releases a partition to
        // another owner, or puts a message back can let the group's dispatch hand out anything
        // new. A throttled member is refilled when half its prefetch is free, or at once when it
        // has nothing buffered, so a busy group dispatches once per many acknowledgements.
        let refill = state.isThrottled && (state.buffer.isEmpty || state.unsettled.count <= state.prefetch / 2)
        if refill {
            state.isThrottled = false
        }
        if refill || settlement == .requeue || (released && group.partitions[key.partition].owner != member) {
            dispatch(topic: state.topic, group: state.group, wakeups: &wakeups)
        }
        if group.partitions[key.partition].committed > committedBefore, !publishWaiters.isEmpty {
            wakeups.publishers.append(contentsOf: publishWaiters.values)
            publishWaiters.removeAll()
        }
        if state.isDraining, state.handedOutCount == 0 {
            finishShutdownIfDrained(state.client, wakeups: &wakeups)
        }
    }

    // MARK: Assignment and dispatch

    private func rebalance(topic: String, group: String) {
        topics[topic]?.groups[group]?.rebalance()
    }

    private mutating func dispatchAllGroups(of topic: String, wakeups: inout Wakeups) {
        for group in topics[topic]!.groups.keys {
            dispatch(topic: topic, group: group, wakeups: &wakeups)
        }
    }

    /// Hands each partition's next messages to its owner, up to the owner's prefetch.
    private mutating func dispatch(topic: String, group: String, wakeups: inout Wakeups) {
        guard let topicState = topics[topic], let groupState = topicState.groups[group], !groupState.members.isEmpty
        else { return }
        let partitionCount = groupState.partitions.count
        let start = groupState.dispatchStart
        groupState.dispatchStart = (start + 1) % partitionCount
        var progress = true
        while progress {
            progress = false
            for step in 0..<partitionCount {
                let partition = (start + step) % partitionCount
                if deliverOne(of: partition, from: topicState, to: groupState, wakeups: &wakeups) {
                    progress = true
                }
            }
        }
    }

    /// Delivers the next message of `partition` to its owner, if the owner has room.
    private func deliverOne(
        of partition: Int,
        from topicState: TopicState,
        to state: GroupState,
        wakeups: inout Wakeups
    ) -> Bool {
        guard let owner = state.partitions[partition].owner,
            state.partitions[partition].holder == nil || state.partitions[partition].holder == owner,
            let member = members[owner]
        else { return false }
        guard member.unsettled.count < member.prefetch else {
            member.isThrottled = true
            return false
        }
        let offset: Int64
        let attempt: Int
        if let redelivery = state.partitions[partition].redeliveries.popMin() {
            offset = redelivery
            attempt = (state.partitions[partition].attempts[offset] ?? 0) + 1
        } else if state.partitions[partition].nextOffset < topicState.partitions[partition].endOffset {
            offset = state.partitions[partition].nextOffset
            state.partitions[partition].nextOffset += 1
            attempt = 1
        } else {
            return false
        }
        state.partitions[partition].holder = owner
        state.partitions[partition].outstanding += 1
        let delivery = Delivery(
            message: topicState.partitions[partition].message(at: offset),
            topic: state.topic,
            group: state.name,
            partition: partition,
            offset: offset,
            attempt: attempt,
            settler: member.settler
        )
        member.unsettled[DeliveryKey(partition: partition, offset: offset)] = attempt
        if let waiter = member.waiter.take() {
            wakeups.deliveries.append((waiter, delivery))
        } else {
            member.buffer.append(delivery)
        }
        return true
    }

    // MARK: Shutdown

    /// Stops a client: no more publishing or subscribing, its sequences end, and its buffered
    /// deliveries go back to their groups. Handed-out deliveries may still be settled.
    mutating func beginShutdown(_ client: ClientID, wakeups: inout Wakeups) {
        guard clients[client] != nil, !clients[client]!.isShutDown else { return }
        clients[client]!.isShutDown = true
        wakeups.shutdowns.append(contentsOf: clients[client]!.shutdownRequestWaiters)
        clients[client]!.shutdownRequestWaiters.removeAll()
        for member in clients[client]!.members {
            drain(member, wakeups: &wakeups)
        }
        finishShutdownIfDrained(client, wakeups: &wakeups)
    }

    private mutating func drain(_ member: MemberID, wakeups: inout Wakeups) {
        guard let state = members[member] else { return }
        state.isDraining = true
        if let waiter = state.waiter {
            state.waiter = nil
            wakeups.deliveries.append((waiter, nil))
        }
        let group = topics[state.topic]!.groups[state.group]!
        while let delivery = state.buffer.popFirst() {
            let key = DeliveryKey(partition: delivery.partition, offset: delivery.offset)
            state.unsettled.removeValue(forKey: key)
            group.partitions[key.partition].putBack(key.offset, handOuts: delivery.attempt - 1)
            group.partitions[key.partition].outstanding -= 1
            if group.partitions[key.partition].outstanding == 0 {
                group.partitions[key.partition].holder = nil
            }
        }
        group.members.removeAll { $0 == member }
        rebalance(topic: state.topic, group: state.group)
        dispatch(topic: state.topic, group: state.group, wakeups: &wakeups)
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
        wakeups.shutdowns.append(contentsOf: clients[client]!.shutdownWaiters)
        clients[client]!.shutdownWaiters.removeAll()
    }
}
