import Foundation
import InMemoryTransport
import MessageBus

/// The values the message bus's articles take as given: a transport, the shop's buses and an order.
protocol BusPage: ShopPage {}

extension BusPage {
    /// The application's transport.
    var transport: InMemoryTransport { InMemoryTransport() }
    /// The sales application's transport.
    var salesTransport: InMemoryTransport { transport }
    /// The sales application's bus.
    var sales: Bus { Bus(transport: transport, name: "sales") }
    /// The inventory application's bus.
    var inventory: Bus { Bus(transport: transport, name: "inventory") }
    /// The billing application's bus.
    var billing: Bus { Bus(transport: transport, name: "billing") }
    /// The order sales publishes.
    var order: OrderPlaced { OrderPlaced(orderID: "123458", product: "Laptop", quantity: 1, price: 1200) }
}

extension MessageBusEffectivelyOnceProcessingSamples: BusPage {}
extension MessageBusHandlingErrorsSamples: BusPage {}
extension MessageBusObservingTheBusSamples: BusPage {
    /// The id of the HTTP request that placed the order.
    var requestID: String { "request-1" }
}
extension MessageBusRequestReplySamples: BusPage {}
extension MessageBusSQLiteSamples: BusPage {}
extension MessageBusWebhookSamples: BusPage {
    /// The webhook's bearer token.
    var token: String { "" }
    /// The body of a webhook request.
    var body: Data { Data() }
}
extension MessageSecuritySamples: BusPage {}
