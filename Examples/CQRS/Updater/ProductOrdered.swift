import MessageBus

/// The topic the orders service publishes the products of processed orders on.
let orderedProductsTopic = "ordenes.productos"

/// What the orders service publishes when it processed an order: the product the order took,
/// and how many.
struct ProductOrdered: BusMessage {
    static let messageType = "ordenes.product-ordered"
    /// The order's id.
    var idOrden: String
    /// The product the order took.
    var idProducto: Int
    /// How many of it.
    var cantidad: Int

    enum CodingKeys: String, CodingKey {
        case idOrden = "id_orden"
        case idProducto = "id_producto"
        case cantidad
    }

    var partitionKey: String? { String(idProducto) }
}
