import ChannelAdapter
import Foundation
import InMemoryTransport
import Logging
import MessageBus
import Messaging

/// The values the channel adapter's pages take as given: the bus and transport the adapter
/// publishes on, and its logger.
protocol ChannelAdapterPage {}

extension ChannelAdapterPage {
    /// The adapter's transport.
    var transport: InMemoryTransport { InMemoryTransport() }
    /// The adapter's bus.
    var bus: Bus { Bus(transport: transport, name: "erp-adapter") }
    /// The adapter's logger.
    var logger: Logger { Logger(label: "erp-adapter") }
}

extension ChannelAdapterSamples: ChannelAdapterPage {
    /// The ERP's HTTP API, as the page's source calls it.
    struct ERPClient: Sendable {
        /// The purchase orders after `cursor`, oldest first.
        func orders(after cursor: String?) async throws -> [PurchaseOrder] { [] }
    }

    /// The ERP.
    var erp: ERPClient { ERPClient() }
}

extension ChannelAdapterPollingASourceSamples: ChannelAdapterPage {
    /// The ERP's HTTP API, as the page's source calls it.
    struct ERPClient: Sendable {
        /// The purchase orders after `cursor`, oldest first.
        func orders(after cursor: String?) async throws -> [PurchaseOrder] { [] }
    }

    /// The ERP.
    var erp: ERPClient { ERPClient() }
}

extension ChannelAdapterSharingACursorSamples: ChannelAdapterPage {
    /// The inventory's stock.
    struct Stock {
        /// Reserves the stock the purchase order in `message` asks for.
        func reserve(for message: Message) async throws {}
    }

    /// The inventory's stock.
    var stock: Stock { Stock() }
}

extension ChannelAdapterDecidingTheFateOfADeliverySamples {
    /// An order whose status the gateway sends.
    struct Order: Sendable {}

    /// The ERP's HTTP API, as the page's gateway calls it.
    struct ERPClient: Sendable {
        /// Sends the status of `order`, and returns the answer's status code and `Retry-After`.
        func updateStatus(of order: Order) async throws -> (status: Int, retryAfter: String?) { (204, nil) }
    }
}

extension ChannelAdapterSQLiteSamples: ChannelAdapterPage {
    /// A source of the ERP's purchase orders.
    struct Orders: PollingSource {
        /// A purchase order.
        struct Order: PolledItem {
            /// The order number.
            var identity: String
            /// The order as a message.
            func message() throws -> Message { Message() }
        }

        /// No orders.
        func poll(after cursor: String?) async throws -> PolledPage<Order> { PolledPage([], nextCursor: cursor) }
    }

    /// The ERP's purchase orders.
    var orders: Orders { Orders() }
}
