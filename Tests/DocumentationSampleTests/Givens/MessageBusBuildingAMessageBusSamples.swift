import InMemoryTransport
import MessageBus

/// What "Building a message bus" takes as given: each application's transport, and buses it only names.
extension MessageBusBuildingAMessageBusSamples: ShopPage {
    /// The sales application's transport.
    var salesTransport: InMemoryTransport { InMemoryTransport() }
    /// The inventory application's transport.
    var inventoryTransport: InMemoryTransport { InMemoryTransport() }
    /// The billing application's transport.
    var billingTransport: InMemoryTransport { InMemoryTransport() }
    /// A bus that routes orders.
    var bus: Bus { Bus(transport: salesTransport, name: "router") }
    /// An audit application's bus.
    var audit: Bus { Bus(transport: salesTransport, name: "audit") }
}
