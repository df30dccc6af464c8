import ChannelAdapter
import ChannelAdapterSQLite
import ExampleSupport
import Foundation
import GRDB
import Hummingbird
import Logging
import MessageBus
import Messaging
import ServiceLifecycle

/// Builds the applications a process runs for `configuration`: the transport, each
/// application's bus and database, the polling adapter, and the HTTP servers. `main` and the
/// tests run the same wiring.
///
/// - Parameters:
///   - configuration: The role, the transport, the ports and the data directory.
///   - transport: The transport to use instead of the one `configuration` names; tests pass one
///     to share it or to inspect it.
///   - logger: Where the applications log.
/// - Throws: ``ExampleError`` for a configuration that cannot work or a database that cannot be
///   opened.
func buildApplication(
    _ configuration: ExampleConfiguration,
    transport: (any MessageTransport)? = nil,
    logger: Logger = Logger(label: "ChannelAdapterExample")
) throws -> ExampleApplication {
    try configuration.validate()
    let data = try configuration.dataDirectory ?? DataDirectory(nil)
    let ports = BoundPorts()
    let metrics = ExampleMetrics()
    var services: [any Service] = []
    var servers: [any Service] = []
    let transport = try makeTransport(configuration, given: transport, logger: logger)
    if let transport {
        services.append(transport)
    }
    let notifier = LoggingNotifier(logger: logger, level: .warning)

    func makeBus(_ name: String) throws(ExampleError) -> Bus {
        guard let transport else { throw ExampleError("the \(name) application needs a transport") }
        var busLogger = logger
        busLogger[metadataKey: "application"] = "\(name)"
        let bus = Bus(
            transport: transport,
            name: name,
            middleware: [Retry(maximumAttempts: 3, initialDelay: .milliseconds(50))],
            logger: busLogger,
            metricsFactory: metrics.factory,
            notifier: notifier
        )
        services.append(bus)
        return bus
    }

    func makeServer(_ name: String, port: Int, router: Router<BasicRequestContext>) {
        servers.append(
            ports.server(name, host: configuration.host, port: port, router: router, metrics: metrics, logger: logger)
        )
    }

    logger.info("Data directory: \(data.path)")
    var erp: ERPApplication?
    if configuration.runsERP {
        let database = try data.openDatabase(for: "erp", migrator: OrderBook.migrator)
        let application = ERPApplication(orders: OrderBook(database: database), faults: ERPFaults())
        let router = Router()
        application.addRoutes(to: router)
        // Started before the adapter and stopped after it, so the adapter's calls in flight
        // when the process stops are answered.
        services.append(
            ports.server(
                ExampleApplication.erpServer,
                host: configuration.host,
                port: configuration.effectiveERPPort,
                router: router,
                metrics: metrics,
                logger: logger
            )
        )
        erp = application
    }
    if configuration.runsAdapter {
        let database = try data.openDatabase(for: "adapter", migrator: DatabaseMigrator())
        let bus = try makeBus("adapter")
        let erpURL: @Sendable () async throws -> String
        if configuration.role == .all {
            erpURL = { "http://127.0.0.1:\(try await ports.port(of: ExampleApplication.erpServer))" }
        } else {
            let url = configuration.erpURL ?? "http://127.0.0.1:5010"
            erpURL = { url }
        }
        do {
            services.append(
                ERPLink(
                    erpURL: erpURL,
                    bus: bus,
                    cursors: try SQLiteCursorStore(database: database),
                    pollBackoff: configuration.pollBackoff,
                    updatePolicy: configuration.updatePolicy,
                    metricsFactory: metrics.factory,
                    logger: logger
                )
            )
        } catch {
            throw ExampleError("cannot start the adapter: \(error)")
        }
        let router = Router()
        SendEndpoint(bus: bus).addRoutes(to: router)
        makeServer(ExampleApplication.adapterServer, port: configuration.effectiveAdapterPort, router: router)
    }
    if configuration.runsInventory {
        let database = try data.openDatabase(for: "inventory", migrator: InventoryApplication.migrator)
        let bus = try makeBus("inventory")
        let inventory: InventoryApplication
        do {
            inventory = try InventoryApplication(bus: bus, database: database)
        } catch {
            throw ExampleError("cannot start the inventory: \(error)")
        }
        let router = Router()
        inventory.addRoutes(to: router)
        makeServer(ExampleApplication.inventoryServer, port: configuration.effectiveInventoryPort, router: router)
    }
    if configuration.runsSupplier {
        let database = try data.openDatabase(for: "supplier", migrator: SupplierApplication.migrator)
        let bus = try makeBus("supplier")
        let supplier: SupplierApplication
        do {
            supplier = try SupplierApplication(bus: bus, database: database)
        } catch {
            throw ExampleError("cannot start the suppliers: \(error)")
        }
        let router = Router()
        supplier.addRoutes(to: router)
        makeServer(ExampleApplication.supplierServer, port: configuration.effectiveSupplierPort, router: router)
    }
    var styles: StylesApplication?
    if configuration.styles {
        let database = try data.openDatabase(for: "styles", migrator: DatabaseMigrator())
        let webhooks: WebhookStyle
        do {
            webhooks = WebhookStyle(store: try SQLiteSubscriptionStore(database: database))
        } catch {
            throw ExampleError("cannot open the webhook subscriptions: \(error)")
        }
        // Before the bus: services stop in reverse order, so the bus's deliveries end before the
        // dispatcher's HTTP client shuts down.
        services.append(webhooks.dispatcher)
        let bus = try makeBus("styles")
        do {
            styles = try StylesApplication(bus: bus, webhooks: webhooks)
        } catch {
            throw ExampleError("cannot start the styles server: \(error)")
        }
        let router = Router()
        styles?.addRoutes(to: router)
        makeServer(ExampleApplication.stylesServer, port: configuration.effectiveStylesPort, router: router)
    }
    return ExampleApplication(
        configuration: configuration,
        transport: transport,
        erp: erp,
        styles: styles,
        process: ExampleProcess(services: services + servers, ports: ports, metrics: metrics, logger: logger)
    )
}

/// The transport of the process: `given`, or the one `configuration` names; none for the ERP
/// alone, which talks HTTP only.
private func makeTransport(
    _ configuration: ExampleConfiguration,
    given: (any MessageTransport)?,
    logger: Logger
) throws(ExampleError) -> (any MessageTransport)? {
    guard configuration.role != .erp else { return nil }
    if let given { return given }
    do {
        return try configuration.transport.make(role: configuration.role, logger: logger)
    } catch {
        throw ExampleError("cannot connect to \(configuration.transport.destination): \(error)")
    }
}

/// One process of the example: its transport, buses, polling adapter and HTTP servers, run as
/// one service.
final class ExampleApplication: Service {
    /// The name the adapter's port is reported under.
    static let adapterServer = "adapter"
    /// The name the ERP's port is reported under.
    static let erpServer = "erp"
    /// The name the inventory's port is reported under.
    static let inventoryServer = "inventory"
    /// The name the suppliers' port is reported under.
    static let supplierServer = "supplier"
    /// The name the styles server's port is reported under.
    static let stylesServer = "styles"

    let configuration: ExampleConfiguration
    /// Where messages travel; `nil` for the ERP alone, which talks HTTP only.
    let transport: (any MessageTransport)?
    /// The ERP, when the process runs it.
    let erp: ERPApplication?
    /// Course case 003's styles server, when the process runs it.
    let styles: StylesApplication?
    private let process: ExampleProcess

    fileprivate init(
        configuration: ExampleConfiguration,
        transport: (any MessageTransport)?,
        erp: ERPApplication?,
        styles: StylesApplication?,
        process: ExampleProcess
    ) {
        self.configuration = configuration
        self.transport = transport
        self.erp = erp
        self.styles = styles
        self.process = process
    }

    /// Runs everything until graceful shutdown or cancellation.
    func run() async throws {
        try await process.run()
    }

    /// The port the adapter listens on, once it listens.
    func adapterPort() async throws(ExampleError) -> Int {
        try await process.ports.port(of: Self.adapterServer)
    }

    /// The port the ERP listens on, once it listens.
    func erpPort() async throws(ExampleError) -> Int {
        try await process.ports.port(of: Self.erpServer)
    }

    /// The port the inventory listens on, once it listens.
    func inventoryPort() async throws(ExampleError) -> Int {
        try await process.ports.port(of: Self.inventoryServer)
    }

    /// The port the styles server listens on, once it listens.
    func stylesPort() async throws(ExampleError) -> Int {
        try await process.ports.port(of: Self.stylesServer)
    }

    /// The port the suppliers listen on, once they listen.
    func supplierPort() async throws(ExampleError) -> Int {
        try await process.ports.port(of: Self.supplierServer)
    }
}
