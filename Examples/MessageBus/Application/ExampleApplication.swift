import ExampleSupport
import Hummingbird
import Logging
import MessageBus
import MessageBusSQLite
import MessageSecurity
import Messaging
import ServiceLifecycle

/// Builds the applications a process runs for `configuration`: the transport, one bus and one
/// database per application, and the HTTP servers. `main` and the tests run the same wiring.
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
    logger: Logger = Logger(label: "MessageBusExample")
) throws -> ExampleApplication {
    try configuration.validate()
    let data = try configuration.dataDirectory ?? DataDirectory(nil)
    let transport = try transport ?? configuration.transport.make(role: configuration.role, logger: logger)
    let ports = BoundPorts()
    let metrics = ExampleMetrics()
    var buses: [Bus] = []
    var servers: [any Service] = []

    /// A bus for one application. With `--secure`, a receiving application (one with a `store`)
    /// opens and checks every message inside its dead-letter channel, so a dead letter keeps its
    /// seal and is not recorded as handled; `outgoing` seals what the bus sends.
    ///
    /// - Parameters:
    ///   - store: Where the idempotent receiver, and with `--secure` the replay check, keep
    ///     their keys; `nil` for an application that only sends.
    ///   - outgoing: The links of the bus's outgoing pipeline.
    func makeBus(
        _ name: String,
        idempotency store: SQLiteIdempotencyStore? = nil,
        outgoing: [any OutgoingMiddleware] = []
    ) -> Bus {
        var busLogger = logger
        busLogger[metadataKey: "application"] = "\(name)"
        var middleware: [any MessageMiddleware] = [
            DeadLetterChannel(topic: configuration.deadLetterTopic, notifier: LoggingNotifier(logger: busLogger))
        ]
        if let security = configuration.security, let store {
            middleware.append(
                security.receiver(
                    topic: configuration.topic,
                    quarantineTopic: configuration.quarantineTopic,
                    replays: store
                )
            )
        }
        middleware.append(Retry(maximumAttempts: 3, initialDelay: .milliseconds(50)))
        if let store {
            middleware.append(IdempotentReceiver(store: store))
        }
        let bus = Bus(
            transport: transport,
            name: name,
            middleware: middleware,
            outgoing: outgoing,
            logger: busLogger,
            metricsFactory: metrics.factory,
            notifier: configuration.security.map { _ in LoggingNotifier(logger: busLogger) }
        )
        buses.append(bus)
        return bus
    }

    func makeServer(_ name: String, port: Int, router: Router<BasicRequestContext>) {
        servers.append(
            ports.server(
                name,
                host: configuration.host,
                port: port,
                router: router,
                metrics: metrics,
                logger: logger
            )
        )
    }

    logger.info("Data directory: \(data.path)")
    var inventory: InventoryApplication?
    var billing: BillingApplication?
    if configuration.runsSales {
        let database = try data.openDatabase(for: "sales", migrator: SalesLedger.migrator)
        let outgoing = try configuration.security.map { [try $0.sender(topic: configuration.topic)] } ?? []
        let sales = SalesApplication(
            bus: makeBus("sales", outgoing: outgoing),
            ledger: SalesLedger(database: database),
            topic: configuration.topic,
            destination: configuration.transport.destination
        )
        makeServer(ExampleApplication.salesServer, port: configuration.salesPort, router: sales.router())
    }
    if configuration.runsInventory {
        let database = try data.openDatabase(for: "inventory", migrator: Inventory.migrator)
        let processed = try SQLiteIdempotencyStore(database: database)
        inventory = try InventoryApplication(
            bus: makeBus("inventory", idempotency: processed),
            inventory: Inventory(database: database, processed: processed),
            topic: configuration.topic,
            logger: logger
        )
    }
    if configuration.runsBilling {
        let database = try data.openDatabase(for: "billing", migrator: Billing.migrator)
        let processed = try SQLiteIdempotencyStore(database: database)
        billing = try BillingApplication(
            bus: makeBus("billing", idempotency: processed),
            billing: Billing(database: database, processed: processed),
            topic: configuration.topic,
            logger: logger
        )
    }
    if configuration.runsQueries {
        makeServer(
            ExampleApplication.queryServer,
            port: configuration.effectiveQueryPort,
            router: queryRouter(inventory: inventory?.inventory, billing: billing?.billing)
        )
    }
    return ExampleApplication(
        configuration: configuration,
        data: data,
        transport: transport,
        process: ExampleProcess(services: [transport] + buses + servers, ports: ports, metrics: metrics, logger: logger)
    )
}

/// One process of the example: its transport, buses and HTTP servers, run as one service.
final class ExampleApplication: Service {
    /// The name the sales server's port is reported under.
    static let salesServer = "sales"
    /// The name the query server's port is reported under.
    static let queryServer = "query"

    let configuration: ExampleConfiguration
    /// Where the applications keep their databases.
    let data: DataDirectory
    /// Where the process's messages travel.
    let transport: any MessageTransport
    private let process: ExampleProcess

    fileprivate init(
        configuration: ExampleConfiguration,
        data: DataDirectory,
        transport: any MessageTransport,
        process: ExampleProcess
    ) {
        self.configuration = configuration
        self.data = data
        self.transport = transport
        self.process = process
    }

    /// The metrics the process's buses record.
    var metrics: ExampleMetrics { process.metrics }

    /// Runs everything until graceful shutdown or cancellation.
    func run() async throws {
        try await process.run()
    }

    /// The port the sales server listens on, once it listens.
    func salesPort() async throws(ExampleError) -> Int {
        guard configuration.runsSales else {
            throw ExampleError("role \(configuration.role.rawValue) runs no sales server")
        }
        return try await process.ports.port(of: Self.salesServer)
    }

    /// The port the query server listens on, once it listens.
    func queryPort() async throws(ExampleError) -> Int {
        guard configuration.runsQueries else {
            throw ExampleError("role \(configuration.role.rawValue) runs no query server")
        }
        return try await process.ports.port(of: Self.queryServer)
    }
}
