import ChannelAdapter
import ExampleSupport
import MessageBus
import Messaging

/// A purchase order of the ERP, as `GET /orders` answers it and as the adapter publishes it on
/// ``Topics/purchaseOrders``.
struct PurchaseOrder: BusMessage, PolledItem, Equatable {
    static let messageType = "erp.purchase-order"

    /// The ERP's number of the order.
    var id: Int
    /// What is ordered.
    var product: String
    /// How many.
    var quantity: Int
    /// The supplier who ships it.
    var supplier: String
    /// `pending` until the inventory and the supplier confirmed it, then `confirmed`;
    /// `rejected` when either refused it.
    var status: String

    /// The order's number: the same at every poll, so the adapter's message id for it is too.
    var identity: String { String(id) }
    /// Every message about one order keeps its order.
    var partitionKey: String? { String(id) }
}

/// The answer of the inventory or a supplier to a purchase order, published on
/// ``Topics/confirmations``.
struct Confirmation: BusMessage, Equatable {
    static let messageType = "purchase-order.confirmation"

    /// The order answered.
    var orderID: Int
    /// Who answers: `inventory` or `supplier`.
    var system: String
    /// `confirmed` or `rejected`.
    var status: String
    /// What was done: the stock reserved, the shipping date.
    var detail: String

    var partitionKey: String? { String(orderID) }

    enum CodingKeys: String, CodingKey {
        case orderID = "order_id"
        case system, status, detail
    }

    /// The answer as a message on ``Topics/confirmations``, identified by the system and the
    /// order (`confirmation/inventory/1`): an order delivered again is answered under the same
    /// id, which the adapter sends to the ERP as the `Idempotency-Key`.
    func outgoing() throws -> OutgoingMessage {
        var outgoing = try OutgoingMessage(self, to: Topics.confirmations)
        outgoing.message.id = "confirmation/\(system)/\(orderID)"
        return outgoing
    }

    /// The body of the ERP's `PUT /orders/{id}/status` that records this answer.
    var statusUpdate: JSONValue {
        .object([("system", .string(system)), ("status", .string(status)), ("detail", .string(detail))])
    }
}
