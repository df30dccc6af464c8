import CQRS
import CQRSSQLite
import ExampleSupport
import Foundation
import GRDB
import Heartbeat
import Hummingbird
import Logging
import MessageBus
import Messaging
import ServiceLifecycle

/// Builds the applications a process runs for `configuration`: the transport, each side's bus
/// and database, the command bus with its outbox and relay, the projection, and the HTTP
/// servers. `main` and the tests run the same wiring.
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
    logger: Logger = Logger(label: "CQRSExample")
) throws -> ExampleApplication {
    try configuration.validate()
    let data = try configuration.dataDirectory ?? DataDirectory(nil)
    let transport = try transport ?? configuration.transport.make(role: configuration.role, logger: logger)
    let ports = BoundPorts()
    let metrics = ExampleMetrics()
    var services: [any Service] = [transport]
    var emitters: [String: Restartable] = [:]
    var servers: [any Service] = []
    let host = ProcessInfo.processInfo.hostName

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
        services.append(bus)
        return bus
    }

    /// Makes `service` beat on `bus`, as the instance `<service>-<host>`.
    func beat(_ service: String, on bus: Bus) throws(ExampleError) {
        let interval = configuration.heartbeatInterval
        let make: @Sendable () throws -> any Service = {
            try HeartbeatEmitter(bus: bus, service: service, instanceID: "\(service)-\(host)", interval: interval)
        }
        do {
            _ = try make()
        } catch {
            throw ExampleError("cannot beat for \(service): \(error)")
        }
        emitters[service] = Restartable(logger: logger, make: make)
    }

    /// Serves the routes `addRoutes` adds on `port`, reporting the port under `name`.
    func serve(_ name: String, port: Int, _ addRoutes: (Router<BasicRequestContext>) -> Void) {
        let router = Router()
        addRoutes(router)
        servers.append(
            ports.server(name, host: configuration.host, port: port, router: router, metrics: metrics, logger: logger)
        )
    }

    logger.info("Data directory: \(data.path)")
    var commands: CommandsApplication?
    var queries: QueriesApplication?
    if configuration.runsCommands {
        let bus = makeBus("commands")
        try beat("commands", on: bus)
        let database = try data.openDatabase(for: "commands", migrator: CommandsApplication.migrator)
        do {
            let outbox = try SQLiteOutboxStore(database: database)
            let relay = OutboxRelay(store: outbox, bus: bus, logger: logger)
            let requester = Requester(bus: bus, replyTopic: "monitor_aperturas.answers", logger: logger)
            let application = try CommandsApplication(
                commands: CommandBus(bus: bus, requester: requester, store: outbox, relay: relay),
                outbox: outbox,
                database: database
            )
            services += [requester, relay]
            commands = application
        } catch {
            throw ExampleError("cannot start the command side: \(error.reason)")
        }
        serve(ExampleApplication.commandsServer, port: configuration.effectiveCommandsPort) {
            commands?.addRoutes(to: $0)
        }
    }
    if configuration.runsQueries {
        let bus = makeBus("queries")
        try beat("queries", on: bus)
        let database = try data.openDatabase(for: "queries", migrator: DatabaseMigrator())
        do {
            let application = try QueriesApplication(database: database)
            try application.projection.register(on: bus)
            services.append(application.projection)
            queries = application
        } catch {
            throw ExampleError("cannot start the query side: \(error.reason)")
        }
        serve(ExampleApplication.queriesServer, port: configuration.effectiveQueriesPort) { queries?.addRoutes(to: $0) }
    }
    var updater: UpdaterApplication?
    if configuration.runsUpdater {
        let database = try data.openDatabase(for: "updater", migrator: UpdaterApplication.migrator)
        let bus = makeBus("updater")
        try beat("updater", on: bus)
        do {
            updater = try UpdaterApplication(bus: bus, database: database)
        } catch {
            throw ExampleError("cannot start the updater: \(error.reason)")
        }
        serve(ExampleApplication.updaterServer, port: configuration.effectiveUpdaterPort) { updater?.addRoutes(to: $0) }
    }
    if configuration.runsGateway {
        try beat("gateway", on: makeBus("gateway"))
        let gateway: GatewayApplication
        if configuration.role == .all {
            // The sides run here: the gateway asks for the ports they listen on.
            gateway = GatewayApplication(
                commands: { "http://127.0.0.1:\(try await ports.port(of: ExampleApplication.commandsServer))" },
                queries: { "http://127.0.0.1:\(try await ports.port(of: ExampleApplication.queriesServer))" }
            )
        } else {
            let commandsURL = configuration.commandsURL ?? "http://127.0.0.1:5002"
            let queriesURL = configuration.queriesURL ?? "http://127.0.0.1:5004"
            gateway = GatewayApplication(commands: { commandsURL }, queries: { queriesURL })
        }
        serve(ExampleApplication.gatewayServer, port: configuration.effectiveGatewayPort) { gateway.addRoutes(to: $0) }
    }
    var monitor: MonitorApplication?
    if configuration.runsMonitor {
        // Without --alert-webhook, alerts are posted to the monitor's own local endpoint.
        let webhook = configuration.alertWebhook
        let alerts = AlertLog(logging: LoggingNotifier(logger: logger, level: .warning)) {
            if let webhook { return webhook }
            return "http://127.0.0.1:\(try await ports.port(of: ExampleApplication.monitorServer))/webhook"
        }
        let bus = makeBus("monitor", notifier: alerts)
        do {
            let heartbeats = try HeartbeatMonitor(
                bus: bus,
                interval: configuration.heartbeatInterval,
                grace: configuration.heartbeatGrace,
                minimumInstances: Dictionary(uniqueKeysWithValues: MonitorApplication.services.map { ($0, 1) }),
                evaluationInterval: min(.seconds(1), configuration.heartbeatInterval)
            )
            services.append(heartbeats)
            monitor = MonitorApplication(monitor: heartbeats, alerts: alerts)
        } catch {
            throw ExampleError("cannot start the heartbeat monitor: \(error)")
        }
        serve(ExampleApplication.monitorServer, port: configuration.effectiveMonitorPort) { monitor?.addRoutes(to: $0) }
    }
    services += emitters.keys.sorted().compactMap { emitters[$0] }
    return ExampleApplication(
        configuration: configuration,
        transport: transport,
        commands: commands,
        queries: queries,
        updater: updater,
        monitor: monitor,
        emitters: emitters,
        process: ExampleProcess(services: services + servers, ports: ports, metrics: metrics, logger: logger)
    )
}

/// One process of the example: its transport, buses, relay, projection and HTTP servers, run as
/// one service.
final class ExampleApplication: Service {
    /// The name the command side's port is reported under.
    static let commandsServer = "commands"
    /// The name the query side's port is reported under.
    static let queriesServer = "queries"
    /// The name the updater's port is reported under.
    static let updaterServer = "updater"
    /// The name the gateway's port is reported under.
    static let gatewayServer = "gateway"
    /// The name the monitor's port is reported under.
    static let monitorServer = "monitor"

    let configuration: ExampleConfiguration
    /// Where messages travel.
    let transport: any MessageTransport
    /// The command side, when the process runs it.
    let commands: CommandsApplication?
    /// The query side, when the process runs it.
    let queries: QueriesApplication?
    /// The updater, when the process runs it.
    let updater: UpdaterApplication?
    /// The heartbeat monitor, when the process runs it.
    let monitor: MonitorApplication?
    /// The heartbeat emitter of each application the process runs, by service name.
    let emitters: [String: Restartable]
    private let process: ExampleProcess

    fileprivate init(
        configuration: ExampleConfiguration,
        transport: any MessageTransport,
        commands: CommandsApplication?,
        queries: QueriesApplication?,
        updater: UpdaterApplication?,
        monitor: MonitorApplication?,
        emitters: [String: Restartable],
        process: ExampleProcess
    ) {
        self.configuration = configuration
        self.transport = transport
        self.commands = commands
        self.queries = queries
        self.updater = updater
        self.monitor = monitor
        self.emitters = emitters
        self.process = process
    }

    /// The metrics the process's buses record.
    var metrics: ExampleMetrics { process.metrics }

    /// Runs everything until graceful shutdown or cancellation.
    func run() async throws {
        try await process.run()
    }

    /// The port the command side listens on, once it listens.
    func commandsPort() async throws(ExampleError) -> Int {
        try await process.ports.port(of: Self.commandsServer)
    }

    /// The port the query side listens on, once it listens.
    func queriesPort() async throws(ExampleError) -> Int {
        try await process.ports.port(of: Self.queriesServer)
    }

    /// The port the updater listens on, once it listens.
    func updaterPort() async throws(ExampleError) -> Int {
        try await process.ports.port(of: Self.updaterServer)
    }

    /// The port the monitor listens on, once it listens.
    func monitorPort() async throws(ExampleError) -> Int {
        try await process.ports.port(of: Self.monitorServer)
    }

    /// The port the gateway listens on, once it listens.
    func gatewayPort() async throws(ExampleError) -> Int {
        try await process.ports.port(of: Self.gatewayServer)
    }
}
