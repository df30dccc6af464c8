import Logging
import Messaging

/// librdkafka's mock Kafka cluster, running inside this process — for tests and local development.
///
/// The brokers listen on loopback ports; point any Kafka client at ``bootstrapServers``. Topics
/// are created on first use with 4 partitions (or explicitly with ``createTopic(_:partitions:replicationFactor:)``).
/// Faults can be injected: brokers going down and up, request errors, slow round trips.
///
/// ```swift
/// let cluster = try KafkaMockCluster(brokers: 3)
/// let transport = try KafkaTransport(configuration: .init(bootstrapServers: [cluster.bootstrapServers]))
/// try cluster.takeDown(broker: 2)
/// ```
///
/// The mock keeps about 5 MB per partition and drops older data past that, supports no admin
/// requests (topic creation through the admin API), and is not a production broker. The
/// cluster stops when the value is released.
public final class KafkaMockCluster: Sendable {
    /// A Kafka protocol request type, for ``failNextRequests(_:with:)``.
    public struct APIKey: Sendable, Hashable {
        /// The protocol's numeric API key.
        public let rawValue: Int16

        /// Creates an API key from its number in the Kafka protocol.
        public init(rawValue: Int16) {
            self.rawValue = rawValue
        }

        /// Produce requests.
        public static let produce = APIKey(rawValue: 0)
        /// Fetch requests.
        public static let fetch = APIKey(rawValue: 1)
        /// Offset commit requests.
        public static let offsetCommit = APIKey(rawValue: 8)
        /// Heartbeat requests.
        public static let heartbeat = APIKey(rawValue: 12)
    }

    /// A Kafka protocol error code, for ``failNextRequests(_:with:)``.
    public struct ErrorCode: Sendable, Hashable, CustomStringConvertible {
        /// The protocol's numeric error code.
        public let rawValue: Int32

        /// Creates an error code from its number in the Kafka protocol.
        public init(rawValue: Int32) {
            self.rawValue = rawValue
        }

        /// The broker is not the partition's leader (retriable).
        public static let notLeaderForPartition = ErrorCode(rawValue: 6)
        /// The request timed out on the broker (retriable).
        public static let requestTimedOut = ErrorCode(rawValue: 7)
        /// Fewer in-sync replicas than required (retriable).
        public static let notEnoughReplicas = ErrorCode(rawValue: 19)
        /// The topic may not be written to (not retriable).
        public static let topicAuthorizationFailed = ErrorCode(rawValue: 29)

        /// librdkafka's name for the code.
        public var description: String { RDKafkaMockCluster.errorName(rawValue) }
    }

    /// `host:port` of every broker, comma-separated, as `bootstrap.servers` takes it.
    public var bootstrapServers: String { cluster.bootstrapServers }
    /// The number of brokers; their ids are 1 through this number.
    public let brokerCount: Int

    /// Settings for a client of this cluster that suit tests: groups settle in seconds (10 s
    /// session, 1 s heartbeat, 60 s join timeout), positions are committed every 200 ms, the
    /// producer lingers 1 ms, and librdkafka logs errors only.
    public var clientConfiguration: KafkaConfiguration {
        var configuration = KafkaConfiguration(bootstrapServers: [bootstrapServers])
        configuration.consumer.sessionTimeout = .seconds(10)
        configuration.consumer.heartbeatInterval = .seconds(1)
        configuration.consumer.commitInterval = .milliseconds(200)
        configuration.consumer.joinTimeout = .seconds(60)
        configuration.producer.linger = .milliseconds(1)
        configuration.additionalProperties["log_level"] = "3"
        return configuration
    }

    private let cluster: RDKafkaMockCluster

    private static var defaultLogger: Logger {
        var logger = Logger(label: "KafkaMockCluster")
        logger.logLevel = .warning
        return logger
    }

    /// Starts a cluster of `brokers` brokers.
    ///
    /// - Parameters:
    ///   - brokers: How many brokers. Default: 3.
    ///   - logger: Where the brokers' librdkafka lines go. Default: a logger labelled
    ///     `KafkaMockCluster`, at warning level, since the brokers' routine lines are of no use to
    ///     an application.
    /// - Throws: `MessagingError` if librdkafka cannot start it.
    public init(brokers: Int = 3, logger: Logger? = nil) throws(MessagingError) {
        guard brokers >= 1 else {
            throw MessagingError(.invalidConfiguration, "A mock cluster needs at least 1 broker, not \(brokers).")
        }
        brokerCount = brokers
        cluster = try RDKafkaMockCluster(brokers: brokers, logger: logger ?? Self.defaultLogger)
    }

    /// Makes `broker` unreachable: its connections are closed and new ones refused.
    public func takeDown(broker: Int) throws(MessagingError) {
        try cluster.setBroker(try brokerID(broker), up: false)
    }

    /// Makes `broker` reachable again.
    public func bringUp(broker: Int) throws(MessagingError) {
        try cluster.setBroker(try brokerID(broker), up: true)
    }

    /// Delays every response of `broker` by `delay`.
    public func setRoundTripTime(_ delay: Duration, broker: Int) throws(MessagingError) {
        try cluster.setRoundTripTime(Int32(clamping: delay.milliseconds), broker: try brokerID(broker))
    }

    /// Makes the next requests of type `api`, on any broker, fail with `errors`, one per request.
    public func failNextRequests(_ api: APIKey, with errors: [ErrorCode]) {
        cluster.pushRequestErrors(apiKey: api.rawValue, errors: errors.map(\.rawValue))
    }

    /// Creates `name` with `partitions` partitions, each with `replicationFactor` replicas.
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws(MessagingError) {
        try TopicName.validate(name)
        try cluster.createTopic(
            name,
            partitions: Int32(clamping: partitions),
            replicationFactor: Int32(clamping: replicationFactor)
        )
    }

    private func brokerID(_ broker: Int) throws(MessagingError) -> Int32 {
        guard (1...brokerCount).contains(broker) else {
            throw MessagingError(
                .invalidConfiguration,
                "Broker \(broker) does not exist; this cluster has brokers 1 to \(brokerCount)."
            )
        }
        return Int32(broker)
    }
}
