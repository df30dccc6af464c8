import ExampleSupport

/// The inventory application's data: stock per product and the orders it has processed.
actor Inventory: ProcessedOrders {
    /// One product's stock.
    struct Item: Equatable, Sendable {
        var inStock: Int
        var sold = 0
        /// Units ordered beyond the stock, to be supplied later.
        var backordered = 0
    }

    /// The stock the inventory starts with.
    static let initialStock: [String: Int] = ["Laptop": 10, "Monitor": 15, "Keyboard": 25, "Mouse": 50]

    let applicationName = "inventory"
    private(set) var items: [String: Item]
    private var processed: [String: Order] = [:]

    init(stock: [String: Int] = Inventory.initialStock) {
        items = stock.mapValues { Item(inStock: $0) }
    }

    /// Takes the order's quantity from stock, once per order id; returns the product's stock
    /// before and after, or `nil` when the order was already processed.
    func take(_ order: Order) -> (before: Item, after: Item)? {
        guard processed[order.orderID] == nil else { return nil }
        let before = items[order.product] ?? Item(inStock: 0)
        var after = before
        let taken = min(after.inStock, order.quantity)
        after.inStock -= taken
        after.backordered += order.quantity - taken
        after.sold += order.quantity
        items[order.product] = after
        processed[order.orderID] = order
        return (before, after)
    }

    func processedOrder(_ orderID: String) -> Order? {
        processed[orderID]
    }

    /// The stock as JSON: one object per product, in alphabetical order.
    var json: JSONValue {
        .object(
            items.sorted { $0.key < $1.key }.map { product, item in
                (
                    product,
                    .object([
                        ("backordered", .integer(item.backordered)),
                        ("in_stock", .integer(item.inStock)),
                        ("sold", .integer(item.sold)),
                    ])
                )
            }
        )
    }
}

/// An application that keeps the orders it has processed.
protocol ProcessedOrders: Actor {
    /// The application's name, as errors name it.
    nonisolated var applicationName: String { get }
    /// The order with this id, once the application has processed it.
    func processedOrder(_ orderID: String) -> Order?
}
