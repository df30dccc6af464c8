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
    /// Where each side keeps its database; `nil` for a fresh temporary directory.
    var dataDirectory: DataDirectory?

    /// The Kafka client id; each role adds its name (`CQRSExample-queries`).
    static let clientID = "CQRSExample"

    /// The command side's port, with its default.
    var effectiveCommandsPort: Int { commandsPort ?? 5002 }
    /// The query side's port, with its default.
    var effectiveQueriesPort: Int { queriesPort ?? 5004 }

    var runsCommands: Bool { role == .all || role == .commands }
    var runsQueries: Bool { role == .all || role == .queries }

    /// Refuses combinations that cannot work, naming the option at fault.
    func validate() throws(ExampleError) {
        try transport.validate(role: role)
        for (option, port) in [("--commands-port", effectiveCommandsPort), ("--queries-port", effectiveQueriesPort)]
        where !(0...65_535).contains(port) {
            throw ExampleError("\(option) must be a port number from 0 to 65535; got \(port)")
        }
    }
}
