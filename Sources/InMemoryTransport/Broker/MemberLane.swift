import DequeModule
import Messaging
import Synchronization

/// A stored message dispatched to one group member, not yet turned into a ``Delivery``.
///
/// Sendable because a ``StoredMessage`` never changes once made (`ManagedBuffer` itself is not).
/// The message is not retained: its partition's log keeps it until it is settled (only settled
/// messages are evicted), and a dispatched message is read, to make its delivery, before the
/// delivery can be settled. Retaining it wrote to each message's header, long out of the cache by
/// then: `inmemory-e2e-1x1` ran at 1.21 M against 1.50 M messages/s with a strong reference
/// (−19 %, medians of alternating runs; see Documentation/Performance.md).
struct Dispatched: @unchecked Sendable {
    unowned(unsafe) let message: StoredMessage
    let partition: Int
    let offset: Int64
    let attempt: Int
}

/// A delivery a member holds: where its message is, and which hand-out of it this is.
struct HandOut: Equatable {
    let partition: Int
    let offset: Int64
    let attempt: Int
}

/// One group member's side of the broker, behind a lock of its own: the deliveries dispatched to
/// it and not yet handed out, the ones handed out and not yet settled, and the settlements the
/// broker has not recorded yet. It settles the member's deliveries.
///
/// The broker appends to a lane under its lock (a dispatch fills it in one step); the member's
/// iterator takes from it without the broker's lock, so a busy consumer does not contend with
/// publishers for each message. An acknowledgement is checked against the hand-outs here and, while
/// the member is its group's only one, kept for the broker to record on its next dispatch for the
/// group — when the lane runs dry, at the latest — or when anything reads the group's positions.
/// Settling then takes the broker's lock once per lane-full of deliveries instead of once each.
/// Lock order: the broker's lock, then a lane's.
final class MemberLane: DeliverySettler {
    enum Next {
        case ready(Dispatched)
        case empty
        case closed
    }

    private struct State {
        var ready: Deque<Dispatched> = []
        /// Handed out and not settled, in the order they were handed out: mostly the order they
        /// are settled in, so a settlement finds its delivery at the front.
        var handedOut: Deque<HandOut> = []
        /// Acknowledged or skipped, not yet recorded by the broker.
        var settled: [HandOut] = []
        /// Sends every settlement to the broker at once: the group has other members, which may
        /// wait for this one's partitions, the member is parked or draining, or a publisher waits
        /// for room.
        var settlesAtOnce = true
        /// Hands out nothing more.
        var isClosed = false
        /// Settles nothing more: the member has left.
        var hasLeft = false
    }

    let topic: String
    let group: String
    let member: MemberID
    let broker: InMemoryBroker
    private let state = Mutex(State())

    init(topic: String, group: String, member: MemberID, broker: InMemoryBroker) {
        self.topic = topic
        self.group = group
        self.member = member
        self.broker = broker
    }

    /// The number of deliveries waiting to be handed out.
    var readyCount: Int {
        state.withLock { $0.ready.count }
    }

    /// The number of settlements kept for the broker.
    var keptCount: Int {
        state.withLock { $0.settled.count }
    }

    /// Takes the next delivery to hand out.
    func take() -> Next {
        state.withLock { state in
            if state.isClosed { return .closed }
            guard let dispatched = state.ready.popFirst() else { return .empty }
            state.handedOut.append(
                HandOut(partition: dispatched.partition, offset: dispatched.offset, attempt: dispatched.attempt)
            )
            return .ready(dispatched)
        }
    }

    func append(_ deliveries: [Dispatched]) {
        state.withLock { $0.ready.append(contentsOf: deliveries) }
    }

    /// Records `dispatched` as handed out past the lane, to the waiting iterator, which is then
    /// no longer parked; see ``settleAtOnce(_:)``.
    func handOut(_ dispatched: Dispatched, settlingAtOnce atOnce: Bool) {
        state.withLock { state in
            state.handedOut.append(
                HandOut(partition: dispatched.partition, offset: dispatched.offset, attempt: dispatched.attempt)
            )
            state.settlesAtOnce = atOnce || state.isClosed
        }
    }

    /// Whether settlements go to the broker at once; see ``State/settlesAtOnce``.
    func settleAtOnce(_ atOnce: Bool) {
        state.withLock { $0.settlesAtOnce = atOnce || $0.isClosed }
    }

    /// The settlements kept for the broker, which records them now.
    func takeSettled() -> [HandOut] {
        state.withLock { state in
            defer { state.settled.removeAll(keepingCapacity: true) }
            return state.settled
        }
    }

    /// Hands out nothing more, and settles nothing more once the member has `left`; returns what
    /// was waiting, for the broker to put back, and the settlements it has not recorded. A
    /// draining member that has not left settles through the broker at once from now on.
    func close(leaving left: Bool) -> (ready: Deque<Dispatched>, settled: [HandOut]) {
        state.withLock { state in
            state.isClosed = true
            state.hasLeft = state.hasLeft || left
            state.settlesAtOnce = true
            defer {
                state.ready.removeAll()
                state.settled.removeAll()
                if left { state.handedOut.removeAll() }
            }
            return (state.ready, state.settled)
        }
    }

    /// The delivery of `dispatched`, with its message rebuilt from the stored form.
    func delivery(_ dispatched: Dispatched) -> Delivery {
        Delivery(
            message: dispatched.message.message,
            topic: topic,
            group: group,
            partition: dispatched.partition,
            offset: dispatched.offset,
            attempt: dispatched.attempt,
            settler: self
        )
    }

    // MARK: Settling

    func acknowledge(_ delivery: Delivery) throws(MessagingError) {
        try settle(delivery, requeue: false)
    }

    func reject(_ delivery: Delivery, requeue: Bool) throws(MessagingError) {
        try settle(delivery, requeue: requeue)
    }

    private func settle(_ delivery: Delivery, requeue: Bool) throws(MessagingError) {
        let handOut = HandOut(partition: delivery.partition, offset: delivery.offset, attempt: delivery.attempt)
        let kept: Bool? = state.withLock { state in
            guard !state.hasLeft, let index = Self.index(of: handOut, in: state.handedOut) else { return nil }
            guard !requeue, !state.settlesAtOnce else { return false }
            state.handedOut.remove(at: index)
            state.settled.append(handOut)
            return true
        }
        if kept == true { return }
        // Under the broker's lock, so the member cannot leave between the check and the record.
        let recorded =
            kept != nil
            && broker.withState { [self] broker, wakeups in
                guard let settlements = takeForBroker(handOut, requeue: requeue) else { return false }
                broker.record(settlements, requeueingLast: requeue, by: member, wakeups: &wakeups)
                return true
            }
        guard recorded else {
            throw MessagingError(
                .deliveryNotPending,
                "Delivery of message \(delivery.message.id) (\(delivery.topic)/\(delivery.partition)@\(delivery.offset), group '\(delivery.group)') was already settled or its subscription has ended."
            )
        }
    }

    /// Settles `handOut` for the broker to record now, with the settlements kept before it;
    /// `nil` if it is not handed out. The broker's lock is held.
    private func takeForBroker(_ handOut: HandOut, requeue: Bool) -> [HandOut]? {
        state.withLock { state in
            // The attempt tells a redelivery of the same offset from the stale delivery before it.
            guard !state.hasLeft, let index = Self.index(of: handOut, in: state.handedOut) else { return nil }
            state.handedOut.remove(at: index)
            defer { state.settled.removeAll(keepingCapacity: true) }
            state.settled.append(handOut)
            return state.settled
        }
    }

    private static func index(of handOut: HandOut, in handedOut: Deque<HandOut>) -> Int? {
        if handedOut.first == handOut { return handedOut.startIndex }
        return handedOut.firstIndex(of: handOut)
    }
}
