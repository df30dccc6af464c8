import InMemoryTransport
import KafkaTransport
import Logging
import Messaging

/// Where an example's messages travel.
public enum ExampleTransport: Sendable {
    /// In this process only: every application of the example runs here.
    case inMemory
    /// A Kafka cluster, so each application can run as its own process.
    case kafka(KafkaConfiguration)

    /// The Kafka transport for the brokers `bootstrapServers` (comma-separated `HOST:PORT`
    /// pairs), with the library's defaults and `clientID`, except for a short consumer-group
    /// session.
    ///
    /// A role that is killed, not stopped, leaves no word to its group: the group coordinator
    /// keeps the dead member, and the partitions it held, until its session times out. A
    /// restarted role joins the same group, and gets its partitions only once the coordinator
    /// gave up on the dead member and ended the rebalance its own joining began: on librdkafka's
    /// mock cluster (`eip kafka-mock`), one to two session timeouts after the kill. With the
    /// library's default of 45 seconds a restarted role would wait 45 to 90 seconds, past its
    /// 60-second join timeout at worst; the examples use 6 seconds, the brokers' usual minimum,
    /// with a heartbeat every second, so a restarted role consumes again within about 12.
    ///
    /// - Throws: ``ExampleError`` naming `--kafka` when a server is not `HOST:PORT`.
    public static func kafka(_ bootstrapServers: String, clientID: String) throws(ExampleError) -> ExampleTransport {
        let servers: [String]
        do {
            servers = try KafkaConfiguration.bootstrapServers(from: bootstrapServers)
        } catch {
            throw ExampleError("--kafka expects HOST:PORT (or several, comma-separated); got '\(bootstrapServers)'")
        }
        var configuration = KafkaConfiguration(bootstrapServers: servers)
        configuration.clientID = clientID
        configuration.consumer.sessionTimeout = .seconds(6)
        configuration.consumer.heartbeatInterval = .seconds(1)
        return .kafka(configuration)
    }

    /// Where messages go, as answers name it: `the in-memory transport` or
    /// `Kafka (HOST:PORT,…)`.
    public var destination: String {
        switch self {
        case .inMemory: "the in-memory transport"
        case .kafka(let kafka): "Kafka (\(kafka.bootstrapServers.joined(separator: ",")))"
        }
    }

    /// Refuses a role other than `all` on the in-memory transport, which cannot reach other
    /// processes.
    public func validate(role: some ExampleRole) throws(ExampleError) {
        if case .inMemory = self, role != .all {
            throw ExampleError(
                "--role \(role.rawValue) needs --kafka: on the in-memory transport every application runs in one process"
            )
        }
    }

    /// Creates the transport; a Kafka client's id gets the role's name as a suffix
    /// (`MessageBusExample-inventory`).
    public func make(role: some ExampleRole, logger: Logger) throws -> any MessageTransport {
        switch self {
        case .inMemory:
            return InMemoryTransport()
        case .kafka(var kafka):
            kafka.clientID = "\(kafka.clientID)-\(role.rawValue)"
            return try KafkaTransport(configuration: kafka, logger: logger)
        }
    }
}
