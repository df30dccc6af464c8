import ChannelAdapter
import ExampleSupport

/// What one process of the example runs, and where.
struct ExampleConfiguration: Sendable {
    /// Which applications a process runs.
    enum Role: String, ExampleRole {
        /// Every application in one process, each on its own server.
        case all
        /// The ERP: purchase orders in its own database, behind `POST /orders`,
        /// `GET /orders?after=CURSOR`, `GET /orders/{id}` and `PUT /orders/{id}/status`, on :5010.
        case erp
        /// The channel adapter on :5000: polls the ERP and publishes its orders, updates the ERP
        /// from the confirmations, and serves the seed's `POST /send`.
        case adapter
        /// The inventory: reserves each order's stock and confirms it; `GET /stock` on :5011.
        case inventory
        /// The suppliers: each schedules the shipping of its orders and confirms it; their
        /// outages on :5012.
        case supplier
    }

    var role: Role = .all
    /// Where messages travel.
    var transport: ExampleTransport = .inMemory
    /// The address the HTTP servers listen on.
    var host = "127.0.0.1"
    /// The adapter's port; by default 5000.
    var adapterPort: Int?
    /// The ERP's port; by default 5010.
    var erpPort: Int?
    /// The inventory's port; by default 5011.
    var inventoryPort: Int?
    /// The suppliers' port; by default 5012.
    var supplierPort: Int?
    /// Whether the process also runs course case 003's styles server.
    var styles = false
    /// The styles server's port; by default 5030.
    var stylesPort: Int?
    /// Where the adapter finds the ERP when it runs without it; by default `http://127.0.0.1:5010`.
    var erpURL: String?
    /// The waits between two polls of the ERP that found nothing: from 100 ms, doubling, up to 1 s.
    var pollBackoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1), jitter: 0)
    /// When the adapter tries an ERP update again: 6 tries, from 100 ms, doubling, up to 5 s, or
    /// what the ERP's `Retry-After` asks for.
    var updatePolicy = DeliveryPolicy(
        maximumAttempts: 6,
        backoff: Backoff(initial: .milliseconds(100), maximum: .seconds(5)),
        maximumDelay: .seconds(30)
    )
    /// Where each application keeps its database; `nil` for a fresh temporary directory.
    var dataDirectory: DataDirectory?

    /// The Kafka client id; each role adds its name (`ChannelAdapterExample-erp`).
    static let clientID = "ChannelAdapterExample"

    /// The adapter's port, with its default.
    var effectiveAdapterPort: Int { adapterPort ?? 5000 }
    /// The ERP's port, with its default.
    var effectiveERPPort: Int { erpPort ?? 5010 }
    /// The inventory's port, with its default.
    var effectiveInventoryPort: Int { inventoryPort ?? 5011 }
    /// The suppliers' port, with its default.
    var effectiveSupplierPort: Int { supplierPort ?? 5012 }
    /// The styles server's port, with its default.
    var effectiveStylesPort: Int { stylesPort ?? 5030 }

    var runsERP: Bool { role == .all || role == .erp }
    var runsAdapter: Bool { role == .all || role == .adapter }
    var runsInventory: Bool { role == .all || role == .inventory }
    var runsSupplier: Bool { role == .all || role == .supplier }

    /// Refuses combinations that cannot work, naming the option at fault.
    func validate() throws(ExampleError) {
        // The ERP talks HTTP only: it needs no transport.
        if role != .erp {
            try transport.validate(role: role)
        }
        let ports = [
            ("--adapter-port", effectiveAdapterPort), ("--erp-port", effectiveERPPort),
            ("--inventory-port", effectiveInventoryPort), ("--supplier-port", effectiveSupplierPort),
            ("--styles-port", effectiveStylesPort),
        ]
        for (option, port) in ports where !(0...65_535).contains(port) {
            throw ExampleError("\(option) must be a port number from 0 to 65535; got \(port)")
        }
        if styles, role != .all {
            throw ExampleError("the styles server runs with every application: leave out --role")
        }
        if let erpURL, !(erpURL.hasPrefix("http://") || erpURL.hasPrefix("https://")) {
            throw ExampleError("--erp-url must be an http:// or https:// URL; got '\(erpURL)'")
        }
    }
}
