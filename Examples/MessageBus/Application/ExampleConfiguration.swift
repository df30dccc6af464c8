import KafkaTransport

/// What one process of the example runs, and where.
struct ExampleConfiguration: Sendable {
    /// Which applications a process runs.
    enum Role: String, CaseIterable, Sendable {
        /// Sales, inventory and billing together.
        case all
        /// The sales application, serving `POST /produce`.
        case sales
        /// The inventory application and its query server.
        case inventory
        /// The billing application and its query server.
        case billing
    }

    /// Where messages travel.
    enum Transport: Sendable {
        /// In this process only: every role runs here.
        case inMemory
        /// A Kafka cluster, so each role can run as its own process.
        case kafka(KafkaConfiguration)
    }

    var role: Role = .all
    var transport: Transport = .inMemory
    /// The address the HTTP servers listen on.
    var host = "127.0.0.1"
    /// The sales server's port.
    var salesPort = 5000
    /// The query server's port; by default 5001, or 5002 for billing on its own.
    var queryPort: Int?
    /// The topic orders travel on: the seed's `MessageBus`.
    var topic = "MessageBus"
    /// Where orders that cannot be processed go.
    var deadLetterTopic = "MessageBus.dead"

    /// The query server's port, with the role's default.
    var effectiveQueryPort: Int { queryPort ?? (role == .billing ? 5002 : 5001) }

    var runsSales: Bool { role == .all || role == .sales }
    var runsInventory: Bool { role == .all || role == .inventory }
    var runsBilling: Bool { role == .all || role == .billing }
    /// The query server answers for inventory and billing, so it runs with either.
    var runsQueries: Bool { runsInventory || runsBilling }

    /// The Kafka settings the example uses for the brokers `bootstrapServers` (comma-separated
    /// `HOST:PORT` pairs): the library's defaults. The topic is created as the seed creates it
    /// (`kafka-topics.sh --create`), or by brokers that create topics on first use.
    static func kafka(_ bootstrapServers: String) throws(ExampleError) -> KafkaConfiguration {
        let servers: [String]
        do {
            servers = try KafkaConfiguration.bootstrapServers(from: bootstrapServers)
        } catch {
            throw ExampleError("--kafka expects HOST:PORT (or several, comma-separated); got '\(bootstrapServers)'")
        }
        var configuration = KafkaConfiguration(bootstrapServers: servers)
        configuration.clientID = "MessageBusExample"
        return configuration
    }

    /// Refuses combinations that cannot work, naming the option at fault.
    func validate() throws(ExampleError) {
        if case .inMemory = transport, role != .all {
            throw ExampleError(
                "--role \(role.rawValue) needs --kafka: on the in-memory transport every application runs in one process"
            )
        }
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

/// A configuration or start-up problem, said in one line that names the option at fault.
struct ExampleError: Error, CustomStringConvertible, Equatable {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
