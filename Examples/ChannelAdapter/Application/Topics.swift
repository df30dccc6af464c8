/// The topics the example's applications share.
enum Topics {
    /// The ERP's purchase orders, as the adapter publishes them, keyed by order id.
    static let purchaseOrders = "purchase-orders"
    /// The inventory's and the suppliers' answers, keyed by order id.
    static let confirmations = "confirmations"
    /// The messages of the seed's `POST /send`.
    static let messages = "mensajes"
}
