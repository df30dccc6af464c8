import Messaging

/// Settles the deliveries of one group member by updating its broker.
final class MemberSettler: DeliverySettler {
    let broker: InMemoryBroker
    let member: MemberID

    init(broker: InMemoryBroker, member: MemberID) {
        self.broker = broker
        self.member = member
    }

    func acknowledge(_ delivery: Delivery) throws(MessagingError) {
        try settle(delivery, as: .acknowledge)
    }

    func reject(_ delivery: Delivery, requeue: Bool) throws(MessagingError) {
        try settle(delivery, as: requeue ? .requeue : .skip)
    }

    private func settle(_ delivery: Delivery, as settlement: BrokerState.Settlement) throws(MessagingError) {
        try broker.withState { state, wakeups throws(MessagingError) in
            try state.settle(delivery, by: member, as: settlement, wakeups: &wakeups)
        }
    }
}
