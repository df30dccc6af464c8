import ExampleSupport

/// What one process of the example runs, and where.
struct ExampleConfiguration: Sendable {
    /// Which applications a process runs.
    enum Role: String, ExampleRole {
        /// The sender and the receiver together, on one server.
        case all
        /// The sender (*productor*): `POST /send_message`, `POST /send/{channel}`, `GET /channels`.
        case sender
        /// The receiver (*consumidor*): `GET /get_message/{id}`, `GET /consume_message`, `GET /alerts`.
        case receiver
    }

    var role: Role = .all
    /// Where messages travel.
    var transport: ExampleTransport = .inMemory
    /// The address the HTTP server listens on.
    var host = "127.0.0.1"
    /// The HTTP server's port; by default 5000, or 5001 for the receiver on its own.
    var port: Int?
    /// Where the receiver keeps its database; `nil` for a fresh temporary directory.
    var dataDirectory: DataDirectory?

    /// The Kafka client id; each role adds its name (`DatatypeChannelExample-receiver`).
    static let clientID = "DatatypeChannelExample"

    /// The server's port, with the role's default.
    var effectivePort: Int { port ?? (role == .receiver ? 5001 : 5000) }

    var runsSender: Bool { role != .receiver }
    var runsReceiver: Bool { role != .sender }

    /// Refuses combinations that cannot work, naming the option at fault.
    func validate() throws(ExampleError) {
        try transport.validate(role: role)
        guard (0...65_535).contains(effectivePort) else {
            throw ExampleError("--port must be a port number from 0 to 65535; got \(effectivePort)")
        }
    }
}
