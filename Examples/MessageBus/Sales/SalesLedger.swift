/// The orders the sales application has sent, so that an order id is never sent twice with
/// different content.
actor SalesLedger {
    /// What sending an order may do.
    enum Claim: Equatable {
        /// The id is new: send the order.
        case send
        /// The same order was sent before, as this.
        case alreadySent(Order)
        /// The id was sent before with different content, as this.
        case conflict(Order)
        /// The id is being sent by another request right now.
        case inProgress
    }

    private var sent: [String: Order] = [:]
    private var sending: Set<String> = []

    /// Decides what to do with `order`; a ``Claim/send`` reserves its id until ``record(_:)`` or
    /// ``release(_:)``.
    func claim(_ order: Order) -> Claim {
        if let previous = sent[order.orderID] {
            return previous.hasSameContent(as: order) ? .alreadySent(previous) : .conflict(previous)
        }
        guard sending.insert(order.orderID).inserted else { return .inProgress }
        return .send
    }

    /// Remembers that `order` was sent.
    func record(_ order: Order) {
        sending.remove(order.orderID)
        sent[order.orderID] = order
    }

    /// Frees the id of an order that could not be sent.
    func release(_ order: Order) {
        sending.remove(order.orderID)
    }
}
