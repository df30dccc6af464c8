import ExampleSupport

/// What one process of the example runs, and where.
struct ExampleConfiguration: Sendable {
    /// Which applications a process runs.
    enum Role: String, ExampleRole {
        /// Sales, inventory and billing together.
        case all
        /// The sales application, serving `POST /produce`.
        case sales
        /// The inventory application and its query server.
        case inventory
        /// The billing application and its query server.
        case billing
    }

    var role: Role = .all
    /// Where messages travel.
    var transport: ExampleTransport = .inMemory
    /// The address the HTTP servers listen on.
    var host = "127.0.0.1"
    /// The sales server's port.
    var salesPort = 5000
    /// The query server's port; by default 5001, or 5002 for billing on its own.
    var queryPort: Int?
    /// Where the applications keep their databases; `nil` for a fresh temporary directory.
    var dataDirectory: DataDirectory?
    /// The topic orders travel on: the seed's `MessageBus`.
    var topic = "MessageBus"
    /// Where orders that cannot be processed go.
    var deadLetterTopic = "MessageBus.dead"
    /// How orders are sealed and checked (`--secure --keys FILE`); `nil` sends them in the clear.
    var security: OrderSecurity?

    /// Where inventory and billing put messages that fail a security check, with `--secure`.
    var quarantineTopic: String { "\(topic).quarantine" }

    /// The Kafka client id; each role adds its name (`MessageBusExample-inventory`).
    static let clientID = "MessageBusExample"

    /// The query server's port, with the role's default.
    var effectiveQueryPort: Int { queryPort ?? (role == .billing ? 5002 : 5001) }

    var runsSales: Bool { role == .all || role == .sales }
    var runsInventory: Bool { role == .all || role == .inventory }
    var runsBilling: Bool { role == .all || role == .billing }
    /// The query server answers for inventory and billing, so it runs with either.
    var runsQueries: Bool { runsInventory || runsBilling }

    /// Refuses combinations that cannot work, naming the option at fault.
    func validate() throws(ExampleError) {
        try transport.validate(role: role)
        for (option, port) in [("--port", salesPort), ("--query-port", effectiveQueryPort)] {
            guard (0...65_535).contains(port) else {
                throw ExampleError("\(option) must be a port number from 0 to 65535; got \(port)")
            }
        }
        if role == .all, salesPort != 0, salesPort == effectiveQueryPort {
            throw ExampleError("--port and --query-port must differ; both are \(salesPort)")
        }
    }
}
