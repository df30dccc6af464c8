import ExampleSupport
import Hummingbird
import Logging
import MessageBus
import Messaging
import ServiceLifecycle

/// Builds the applications a process runs for `configuration`: the transport, one bus per
/// application, and the HTTP servers. `main` and the tests run the same wiring.
///
/// - Parameters:
///   - configuration: The role, the transport and the ports.
///   - transport: The transport to use instead of the one `configuration` names; tests pass one
///     to share it or to inspect it.
///   - logger: Where the applications log.
/// - Throws: ``ExampleError`` for a configuration that cannot work.
func buildApplication(
    _ configuration: ExampleConfiguration,
    transport: (any MessageTransport)? = nil,
    logger: Logger = Logger(label: "MessageBusExample")
) throws -> ExampleApplication {
    try configuration.validate()
    let transport = try transport ?? configuration.transport.make(role: configuration.role, logger: logger)
    let ports = BoundPorts()
    var buses: [Bus] = []
    var servers: [any Service] = []

    func makeBus(_ name: String) -> Bus {
        var busLogger = logger
        busLogger[metadataKey: "application"] = "\(name)"
        let bus = Bus(
            transport: transport,
            name: name,
            middleware: [
                DeadLetterChannel(topic: configuration.deadLetterTopic, notifier: LoggingNotifier(logger: busLogger)),
                Retry(maximumAttempts: 3, initialDelay: .milliseconds(50)),
                IdempotentReceiver(store: InMemoryIdempotencyStore(capacity: 100_000)),
            ],
            logger: busLogger
        )
        buses.append(bus)
        return bus
    }

    func makeServer(_ name: String, port: Int, router: Router<BasicRequestContext>) {
        servers.append(ports.server(name, host: configuration.host, port: port, router: router, logger: logger))
    }

    var inventory: InventoryApplication?
    var billing: BillingApplication?
    if configuration.runsSales {
        let sales = SalesApplication(
            bus: makeBus("sales"),
            topic: configuration.topic,
            destination: configuration.transport.destination
        )
        makeServer(ExampleApplication.salesServer, port: configuration.salesPort, router: sales.router())
    }
    if configuration.runsInventory {
        inventory = try InventoryApplication(bus: makeBus("inventory"), topic: configuration.topic, logger: logger)
    }
    if configuration.runsBilling {
        billing = try BillingApplication(bus: makeBus("billing"), topic: configuration.topic, logger: logger)
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
        process: ExampleProcess(services: [transport] + buses + servers, ports: ports, logger: logger)
    )
}

/// One process of the example: its transport, buses and HTTP servers, run as one service.
final class ExampleApplication: Service {
    /// The name the sales server's port is reported under.
    static let salesServer = "sales"
    /// The name the query server's port is reported under.
    static let queryServer = "query"

    let configuration: ExampleConfiguration
    private let process: ExampleProcess

    fileprivate init(configuration: ExampleConfiguration, process: ExampleProcess) {
        self.configuration = configuration
        self.process = process
    }

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
