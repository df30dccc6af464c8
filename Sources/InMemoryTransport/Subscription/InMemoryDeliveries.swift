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
    let member: MemberID

    init(transport: InMemoryTransport, member: MemberID) {
        self.transport = transport
        self.member = member
    }

    deinit {
        close()
    }

    private var broker: InMemoryBroker { transport.broker }

    func close() {
        broker.withState { state, wakeups in state.leave(member, wakeups: &wakeups) }
    }

    func next() async -> Delivery? {
        if Task.isCancelled {
            close()
            return nil
        }
        switch broker.withState({ state, _ in state.next(for: member) }) {
        case .delivery(let delivery): return delivery
        case .finished: return nil
        case .mustWait: break
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let outcome = broker.withState { state, wakeups in
                    if Task.isCancelled {
                        state.leave(member, wakeups: &wakeups)
                        return BrokerState.NextOutcome.finished
                    }
                    return state.next(for: member, orPark: continuation)
                }
                switch outcome {
                case .delivery(let delivery): continuation.resume(returning: delivery)
                case .finished: continuation.resume(returning: nil)
                case .mustWait: break
                }
            }
        } onCancel: {
            close()
        }
    }
}
