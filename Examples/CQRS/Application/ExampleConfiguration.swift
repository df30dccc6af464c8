import ExampleSupport

/// What one process of the example runs, and where.
struct ExampleConfiguration: Sendable {
    /// Which applications a process runs.
    enum Role: String, ExampleRole {
        /// The command side and the query side together, each on its own server.
        case all
        /// The command side of *monitor aperturas*: `POST`, `PUT` and `DELETE` on
        /// `/monitor_aperturas/reglas`, on :5002.
        case commands
        /// The query side, *reportes*: `GET /monitor_aperturas/reglas/{id}` and
        /// `GET /monitor_aperturas/reglas?usuario=…`, on :5004.
        case queries
        /// The updater: takes the products of processed orders from its stock; `POST /ordenes`
        /// and `GET /productos/{id}` on :5006.
        case updater
        /// The API gateway on :5000: routes `/monitor_aperturas/...` to the command and the
        /// query side.
        case gateway
        /// The heartbeat monitor on :5020: `GET /hearbeat`, `GET /heartbeat`, `GET /alerts`.
        case monitor
    }

    var role: Role = .all
    /// Where messages travel.
    var transport: ExampleTransport = .inMemory
    /// The address the HTTP servers listen on.
    var host = "127.0.0.1"
    /// The command side's port; by default 5002.
    var commandsPort: Int?
    /// The query side's port; by default 5004.
    var queriesPort: Int?
    /// The updater's port; by default 5006.
    var updaterPort: Int?
    /// The gateway's port; by default 5000.
    var gatewayPort: Int?
    /// The monitor's port; by default 5020.
    var monitorPort: Int?
    /// Where the monitor posts its alerts; `nil` for its own `POST /webhook`.
    var alertWebhook: String?
    /// How often every application beats.
    var heartbeatInterval: Duration = .seconds(10)
    /// How long the monitor waits for a beat before it declares an application dead.
    var heartbeatGrace: Duration = .seconds(40)
    /// Where the gateway finds the command side when it runs alone; by default
    /// `http://127.0.0.1:5002`.
    var commandsURL: String?
    /// Where the gateway finds the query side when it runs alone; by default
    /// `http://127.0.0.1:5004`.
    var queriesURL: String?
    /// Where each side keeps its database; `nil` for a fresh temporary directory.
    var dataDirectory: DataDirectory?

    /// The Kafka client id; each role adds its name (`CQRSExample-queries`).
    static let clientID = "CQRSExample"

    /// The command side's port, with its default.
    var effectiveCommandsPort: Int { commandsPort ?? 5002 }
    /// The query side's port, with its default.
    var effectiveQueriesPort: Int { queriesPort ?? 5004 }

    /// The updater's port, with its default.
    var effectiveUpdaterPort: Int { updaterPort ?? 5006 }
    /// The gateway's port, with its default.
    var effectiveGatewayPort: Int { gatewayPort ?? 5000 }
    /// The monitor's port, with its default.
    var effectiveMonitorPort: Int { monitorPort ?? 5020 }

    var runsCommands: Bool { role == .all || role == .commands }
    var runsQueries: Bool { role == .all || role == .queries }
    var runsUpdater: Bool { role == .all || role == .updater }
    var runsGateway: Bool { role == .all || role == .gateway }
    var runsMonitor: Bool { role == .all || role == .monitor }

    /// Refuses combinations that cannot work, naming the option at fault.
    func validate() throws(ExampleError) {
        // The gateway talks to the sides over HTTP, not through the transport.
        if role != .gateway {
            try transport.validate(role: role)
        }
        let ports = [
            ("--commands-port", effectiveCommandsPort), ("--queries-port", effectiveQueriesPort),
            ("--updater-port", effectiveUpdaterPort), ("--gateway-port", effectiveGatewayPort),
            ("--monitor-port", effectiveMonitorPort),
        ]
        for (option, port) in ports where !(0...65_535).contains(port) {
            throw ExampleError("\(option) must be a port number from 0 to 65535; got \(port)")
        }
        guard heartbeatInterval > .zero, heartbeatGrace > heartbeatInterval else {
            throw ExampleError(
                "--heartbeat-grace (\(heartbeatGrace)) must be longer than --heartbeat-interval (\(heartbeatInterval)), "
                    + "which must be positive"
            )
        }
    }
}
