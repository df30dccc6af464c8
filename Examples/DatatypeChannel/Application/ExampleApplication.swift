import DatatypeChannel
import ExampleSupport
import Hummingbird
import Logging
import MessageBus
import Messaging
import ServiceLifecycle

/// Builds the applications a process runs for `configuration`: the transport, the sender's and
/// the receiver's buses, the receiver's database, and the HTTP server. `main` and the tests run
/// the same wiring.
///
/// - Parameters:
///   - configuration: The role, the transport, the port and the data directory.
///   - transport: The transport to use instead of the one `configuration` names; tests pass one
///     to share it or to inspect it.
///   - logger: Where the applications log.
/// - Throws: ``ExampleError`` for a configuration that cannot work, a database that cannot be
///   opened, or channels that clash.
func buildApplication(
    _ configuration: ExampleConfiguration,
    transport: (any MessageTransport)? = nil,
    logger: Logger = Logger(label: "DatatypeChannelExample")
) throws -> ExampleApplication {
    try configuration.validate()
    let catalog: ChannelCatalog
    do {
        catalog = try Channels.catalog()
    } catch {
        throw ExampleError("the channels clash: \(error.reason)")
    }
    let data = try configuration.dataDirectory ?? DataDirectory(nil)
    let transport = try transport ?? configuration.transport.make(role: configuration.role, logger: logger)
    let ports = BoundPorts()
    let metrics = ExampleMetrics()
    let router = Router()
    var buses: [Bus] = []

    func makeBus(_ name: String, notifier: (any Notifier)? = nil) -> Bus {
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
        buses.append(bus)
        return bus
    }

    logger.info("Data directory: \(data.path)")
    var receiver: ReceiverApplication?
    if configuration.runsSender {
        SenderApplication(bus: makeBus("sender"), catalog: catalog).addRoutes(to: router)
    }
    if configuration.runsReceiver {
        let store = ReceiverStore(database: try data.openDatabase(for: "receiver", migrator: ReceiverStore.migrator))
        do {
            receiver = try ReceiverApplication(
                bus: makeBus("receiver", notifier: AlertRecorder(store: store)),
                store: store
            )
        } catch {
            throw ExampleError("cannot register the receiver's consumers: \(error)")
        }
        receiver?.addRoutes(to: router)
    }
    let server = ports.server(
        ExampleApplication.server,
        host: configuration.host,
        port: configuration.effectivePort,
        router: router,
        metrics: metrics,
        logger: logger
    )
    return ExampleApplication(
        configuration: configuration,
        transport: transport,
        receiver: receiver,
        process: ExampleProcess(
            services: [transport] + buses + [server],
            ports: ports,
            metrics: metrics,
            logger: logger
        )
    )
}

/// One process of the example: its transport, buses and HTTP server, run as one service.
final class ExampleApplication: Service {
    /// The name the server's port is reported under.
    static let server = "datatype"

    let configuration: ExampleConfiguration
    /// Where messages travel; the demo writes to it as a foreign producer would.
    let transport: any MessageTransport
    /// The receiver, when the process runs it.
    let receiver: ReceiverApplication?
    private let process: ExampleProcess

    fileprivate init(
        configuration: ExampleConfiguration,
        transport: any MessageTransport,
        receiver: ReceiverApplication?,
        process: ExampleProcess
    ) {
        self.configuration = configuration
        self.transport = transport
        self.receiver = receiver
        self.process = process
    }

    /// The metrics the process's buses record.
    var metrics: ExampleMetrics { process.metrics }

    /// Runs everything until graceful shutdown or cancellation.
    func run() async throws {
        try await process.run()
    }

    /// The port the server listens on, once it listens.
    func port() async throws(ExampleError) -> Int {
        try await process.ports.port(of: Self.server)
    }
}
