import ArgumentParser
import ExampleSupport

/// The fifth course case: *monitor aperturas* split by CQRS into a command side that owns the
/// rules and a query side, *reportes*, that answers from its own read model, fed by the command
/// side's events.
@main
struct CQRSExample: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "CQRSExample",
        abstract: "Rules of monitor aperturas: commands on one side, queries on the other, events between.",
        discussion: """
            Without --kafka both sides run in this process on the in-memory transport, each on its \
            own server: the command side on --commands-port (5002: POST /monitor_aperturas/reglas, \
            PUT and DELETE /monitor_aperturas/reglas/{id}), the query side on --queries-port (5004: \
            GET /monitor_aperturas/reglas/{id} and GET /monitor_aperturas/reglas?usuario=...).

            With --kafka (or KAFKA_BOOTSTRAP_SERVERS) --role commands or --role queries runs one side \
            per process. Each side keeps its own SQLite database under --data-dir: commands.sqlite \
            (the rules and the outbox) and queries.sqlite (the read model and its checkpoint). Every \
            server also answers GET /metrics (Prometheus) and GET /health.
            """
    )

    @OptionGroup var options: ExampleOptions<ExampleConfiguration.Role>

    @Option(help: "The command side's port. Default: 5002.")
    var commandsPort: Int?

    @Option(help: "The query side's port. Default: 5004.")
    var queriesPort: Int?

    @Option(help: "The updater's port. Default: 5006.")
    var updaterPort: Int?

    @Option(help: "The API gateway's port. Default: 5000.")
    var gatewayPort: Int?

    @Option(help: "The heartbeat monitor's port. Default: 5020.")
    var monitorPort: Int?

    @Option(help: "Seconds between two heartbeats of every application. Default: 10, or 0.2 with --demo.")
    var heartbeatInterval: Double?

    @Option(
        help:
            "Seconds without a heartbeat before the monitor declares an application dead. Default: 40, or 1 with --demo."
    )
    var heartbeatGrace: Double?

    @Option(help: "Where the monitor posts its alerts as JSON. Default: its own POST /webhook.")
    var alertWebhook: String?

    @Option(help: "Where the gateway alone finds the command side. Default: http://127.0.0.1:5002.")
    var commandsURL: String?

    @Option(help: "Where the gateway alone finds the query side. Default: http://127.0.0.1:5004.")
    var queriesURL: String?

    func run() async throws {
        options.bootstrapLogging()
        if options.demo, options.role != .all {
            throw ValidationError("--demo runs the command and the query side together: leave out --role")
        }
        let application: ExampleApplication
        do {
            application = try buildApplication(
                ExampleConfiguration(
                    role: options.role,
                    transport: options.transport(clientID: ExampleConfiguration.clientID),
                    host: options.host,
                    commandsPort: commandsPort,
                    queriesPort: queriesPort,
                    updaterPort: updaterPort,
                    gatewayPort: gatewayPort,
                    monitorPort: monitorPort,
                    alertWebhook: alertWebhook,
                    heartbeatInterval: .seconds(heartbeatInterval ?? (options.demo ? 0.2 : 10)),
                    heartbeatGrace: .seconds(heartbeatGrace ?? (options.demo ? 1 : 40)),
                    commandsURL: commandsURL,
                    queriesURL: queriesURL,
                    dataDirectory: options.data()
                )
            )
        } catch let error as ExampleError {
            throw ValidationError(error.description)
        }
        let demo: (@Sendable () async throws -> Void)? =
            options.demo ? { @Sendable in try await Demo(application: application).run() } : nil
        try await ExampleRunner.run(application, label: "CQRSExample", demo: demo)
    }
}
