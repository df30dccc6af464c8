import Hummingbird
import InMemoryTransport
import KafkaTransport
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
func buildApplication(
    _ configuration: ExampleConfiguration,
    transport: (any MessageTransport)? = nil,
    logger: Logger = Logger(label: "MessageBusExample")
) throws -> ExampleApplication {
    try configuration.validate()
    let transport = try transport ?? makeTransport(configuration, logger: logger)
    let destination =
        switch configuration.transport {
        case .inMemory: "the in-memory transport"
        case .kafka(let kafka): "Kafka (\(kafka.bootstrapServers.joined(separator: ",")))"
        }
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

    func makeServer(_ server: BoundPorts.Server, port: Int, router: Router<BasicRequestContext>) {
        servers.append(
            Application(
                router: router,
                configuration: .init(address: .hostname(configuration.host, port: port), serverName: nil),
                onServerRunning: { channel in
                    await ports.bound(server, to: channel.localAddress?.port ?? port)
                },
                logger: logger
            )
        )
    }

    var inventory: InventoryApplication?
    var billing: BillingApplication?
    if configuration.runsSales {
        let sales = SalesApplication(bus: makeBus("sales"), topic: configuration.topic, destination: destination)
        makeServer(.sales, port: configuration.salesPort, router: sales.router())
    }
    if configuration.runsInventory {
        inventory = try InventoryApplication(bus: makeBus("inventory"), topic: configuration.topic, logger: logger)
    }
    if configuration.runsBilling {
        billing = try BillingApplication(bus: makeBus("billing"), topic: configuration.topic, logger: logger)
    }
    if configuration.runsQueries {
        makeServer(
            .query,
            port: configuration.effectiveQueryPort,
            router: queryRouter(inventory: inventory?.inventory, billing: billing?.billing)
        )
    }
    return ExampleApplication(
        configuration: configuration,
        services: [transport] + buses + servers,
        ports: ports,
        logger: logger
    )
}

private func makeTransport(_ configuration: ExampleConfiguration, logger: Logger) throws -> any MessageTransport {
    switch configuration.transport {
    case .inMemory:
        return InMemoryTransport()
    case .kafka(var kafka):
        kafka.clientID = "\(kafka.clientID)-\(configuration.role.rawValue)"
        return try KafkaTransport(configuration: kafka, logger: logger)
    }
}

/// One process of the example: its transport, buses and HTTP servers, run as one service
/// that starts them in that order and stops them in the reverse.
final class ExampleApplication: Service {
    let configuration: ExampleConfiguration
    private let services: [any Service]
    private let ports: BoundPorts
    private let logger: Logger

    fileprivate init(
        configuration: ExampleConfiguration,
        services: [any Service],
        ports: BoundPorts,
        logger: Logger
    ) {
        self.configuration = configuration
        self.services = services
        self.ports = ports
        self.logger = logger
    }

    /// Runs everything until graceful shutdown or cancellation.
    func run() async throws {
        do {
            try await ServiceGroup(configuration: .init(services: services, logger: logger)).run()
            await ports.finish(ExampleError("the example stopped before its servers started"))
        } catch {
            await ports.finish(ExampleError("the example stopped: \(error)"))
            throw error
        }
    }

    /// The port the sales server listens on, once it listens.
    func salesPort() async throws(ExampleError) -> Int {
        guard configuration.runsSales else {
            throw ExampleError("role \(configuration.role.rawValue) runs no sales server")
        }
        return try await ports.port(of: .sales)
    }

    /// The port the query server listens on, once it listens.
    func queryPort() async throws(ExampleError) -> Int {
        guard configuration.runsQueries else {
            throw ExampleError("role \(configuration.role.rawValue) runs no query server")
        }
        return try await ports.port(of: .query)
    }
}

/// The ports the servers listen on, reported as each starts.
actor BoundPorts {
    enum Server: String, Sendable {
        case sales
        case query
    }

    private var ports: [Server: Int] = [:]
    private var waiters: [Server: [CheckedContinuation<Int, any Error>]] = [:]
    private var failure: ExampleError?

    func bound(_ server: Server, to port: Int) {
        ports[server] = port
        for waiter in waiters.removeValue(forKey: server) ?? [] {
            waiter.resume(returning: port)
        }
    }

    /// Fails every wait that has not been answered, and every later one that cannot be.
    func finish(_ error: ExampleError) {
        failure = error
        for waiter in waiters.values.joined() {
            waiter.resume(throwing: error)
        }
        waiters.removeAll()
    }

    func port(of server: Server) async throws(ExampleError) -> Int {
        if let port = ports[server] { return port }
        if let failure { throw failure }
        do {
            return try await withCheckedThrowingContinuation { waiters[server, default: []].append($0) }
        } catch {
            throw error as? ExampleError ?? ExampleError("\(error)")
        }
    }
}
