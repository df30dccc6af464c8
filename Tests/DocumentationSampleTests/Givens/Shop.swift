import MessageBus
import Messaging
import ServiceLifecycle

// MARK: - What the documentation's pages take as given
//
// A page's samples may use a type or a value that the page describes in words instead of code: the
// shop's order, its stock, a transport. They are declared here and in the page extensions beside this
// file, so that the samples compile as the reader reads them. The samples are compiled, never run.

/// An order, as a page that does not declare its own sends it.
struct Order: Codable, Sendable {
    var orderID: String
    var product: String
    var quantity: Int
    var price: Double
}

/// The event of a placed order, as a page that does not declare its own publishes it.
struct OrderPlaced: BusMessage {
    static let messageType = "sales.order.placed"
    var orderID: String
    var product: String
    var quantity: Int
    var price: Double
    var partitionKey: String? { orderID }
}

/// The event of reserved stock, as a page that does not declare its own publishes it.
struct StockReserved: BusMessage {
    static let messageType = "inventory.stock.reserved"
    var orderID: String
}

/// The inventory's stock, which handlers take from.
struct Stock: Sendable {
    /// Takes `quantity` items of `product` from the stock.
    func take(_ quantity: Int, of product: String) throws {}
    /// Reserves `quantity` items of `product`.
    func reserve(_ product: String, quantity: Int) async throws {}
    /// How many items of `product` are free.
    func available(_ product: String) async throws -> Int { 0 }
}

/// Billing's invoices.
struct Invoices: Sendable {
    /// Writes the invoice of an order.
    func create(orderID: String, amount: Double) async throws {}
}

/// A payment the payment service refused: retrying does not help.
struct PaymentDeclined: Error {}

/// An application's own error when its environment is not what it needs.
enum SetupError: Error {
    case missingTopic(String)
}

/// The sales application's checkout, which asks for stock levels before it publishes an order.
struct Checkout: Service {
    var sales: Bus
    var requester: Requester

    func run() async throws {}
}

/// The shop's values most pages take as given: `stock` and `invoices`.
protocol ShopPage {}

extension ShopPage {
    /// The inventory's stock.
    var stock: Stock { Stock() }
    /// Billing's invoices.
    var invoices: Invoices { Invoices() }
}
