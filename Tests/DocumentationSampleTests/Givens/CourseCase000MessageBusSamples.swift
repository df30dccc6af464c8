import ExampleSupport
import GRDB
import InMemoryTransport
import MessageBus

/// What course case 000's page takes from the example's code (`Examples/MessageBus`). The samples are
/// compiled, never run.
extension CourseCase000MessageBusSamples {
    /// The example's inventory, reduced to what the page shows of it.
    struct Inventory {
        /// The schema of the inventory's database.
        static var migrator: DatabaseMigrator { DatabaseMigrator() }
        /// Checks an order against the stock and records it.
        func take(_ order: Order) async throws {}
    }

    /// The sales application's bus.
    var bus: Bus { Bus(transport: transport, name: "sales") }
    /// The order sales publishes.
    var order: Order { Order(orderID: "123458", product: "Laptop", quantity: 1, price: 1200, timestamp: nil) }
    /// The applications' data directory (`--data-dir`).
    var data: DataDirectory { try! DataDirectory("data") }
    /// The transport every role uses.
    var transport: InMemoryTransport { InMemoryTransport() }
    /// The Prometheus registry of the process's buses.
    var metrics: ExampleMetrics { ExampleMetrics() }
    /// The inventory application's stock.
    var inventory: Inventory { Inventory() }
}
