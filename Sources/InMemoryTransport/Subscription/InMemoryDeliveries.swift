import Messaging

/// The deliveries of one member of a consumer group on an ``InMemoryTransport``.
///
/// Ends when ``close()`` is called, when the iterating task is cancelled, when the transport shuts
/// down, or when the sequence and its iterators are released. See `DeliverySequence`.
public struct InMemoryDeliveries: DeliverySequence {
    let subscription: Subscription

    /// Leaves the consumer group and ends the sequence; unsettled deliveries go back to the group.
    /// The member has left when it returns.
    public func close() async {
        subscription.close()
    }

    /// Creates the iterator; iterate from one task at a time.
    public func makeAsyncIterator() -> Iterator {
        Iterator(subscription: subscription)
    }

    /// Waits for the member's next delivery.
    public struct Iterator: AsyncIteratorProtocol {
        let subscription: Subscription

        /// The next delivery, or `nil` once the subscription has ended.
        public mutating func next() async throws -> Delivery? {
            await subscription.next()
        }
    }
}

/// A group membership: ends when closed or when the last sequence or iterator holding it goes.
final class Subscription: Sendable {
    let transport: InMemoryTransport
    let lane: MemberLane

    init(transport: InMemoryTransport, lane: MemberLane) {
        self.transport = transport
        self.lane = lane
    }

    deinit {
        close()
    }

    var member: MemberID { lane.member }

    private var broker: InMemoryBroker { transport.broker }

    func close() {
        broker.withState { [member] state, wakeups in state.leave(member, wakeups: &wakeups) }
    }

    /// The next delivery: from the member's lane without the broker's lock while it has one,
    /// else from a dispatch, else once the broker hands one over.
    func next() async -> Delivery? {
        if Task.isCancelled {
            close()
            return nil
        }
        switch lane.take() {
        case .ready(let dispatched): return lane.delivery(dispatched)
        case .closed: return nil
        case .empty: break
        }
        let member = member
        switch broker.withState({ state, wakeups in state.next(for: member, wakeups: &wakeups) }) {
        case .delivery(let dispatched): return lane.delivery(dispatched)
        case .finished: return nil
        case .mustWait: break
        }
        let dispatched = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Dispatched?, Never>) in
                let outcome = broker.withState { state, wakeups in
                    if Task.isCancelled {
                        state.leave(member, wakeups: &wakeups)
                        return BrokerState.NextOutcome.finished
                    }
                    return state.next(for: member, orPark: continuation, wakeups: &wakeups)
                }
                switch outcome {
                case .delivery(let dispatched): continuation.resume(returning: dispatched)
                case .finished: continuation.resume(returning: nil)
                case .mustWait: break
                }
            }
        } onCancel: {
            close()
        }
        return dispatched.map(lane.delivery)
    }
}
