/// The value the transports' pages take as given: the order they publish.
protocol TransportPage {}

extension TransportPage {
    /// The order a page publishes.
    var order: Order { Order(orderID: "123458", product: "Laptop", quantity: 1, price: 1200) }
}

extension READMESamples: TransportPage, ShopPage {}
extension InMemoryTransportSamples: TransportPage {}
extension InMemoryTransportSharingABrokerSamples: TransportPage {}
extension KafkaTransportSamples: TransportPage {}
