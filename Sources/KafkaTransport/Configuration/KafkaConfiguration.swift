import Foundation
import Messaging

/// How a ``KafkaTransport`` connects to Kafka, produces and consumes.
///
/// Every property has a default fit for production except ``bootstrapServers``. Times are
/// `Duration`s; the translation to librdkafka's properties happens in one place, and
/// ``additionalProperties`` passes anything else straight through.
///
/// ```swift
/// var configuration = KafkaConfiguration(bootstrapServers: ["kafka-1:9092", "kafka-2:9092"])
/// configuration.security = .saslSSL(.scramSHA512(username: "app", password: secret), tls: .init())
/// let transport = try KafkaTransport(configuration: configuration)
/// ```
public struct KafkaConfiguration: Sendable {
    /// `host:port` of one or more brokers to bootstrap from.
    public var bootstrapServers: [String]
    /// The client id brokers log and quote against. Default: `"swift-integration-patterns"`.
    public var clientID: String
    /// How to connect: plaintext, TLS, SASL. Default: ``Security/plaintext``.
    public var security: Security
    /// How messages are produced.
    public var producer: Producer
    /// How consumer groups consume.
    public var consumer: Consumer
    /// Create topics through the admin API with this shape, the first time the transport
    /// publishes or subscribes to each (a topic that exists is left as it is); `nil` leaves topic
    /// creation to the brokers (`auto.create.topics.enable`). Default: `nil`.
    public var topicCreation: TopicCreation?
    /// The largest `Message.byteCount` accepted, checked before producing; keep it
    /// below the brokers' `message.max.bytes`. Default: 1 000 000.
    public var maximumMessageBytes: Int
    /// Raw librdkafka properties, applied last so they override everything above.
    /// Default: none.
    public var additionalProperties: [String: String]
    /// How long each of the two steps of shutting down that need the brokers may wait for them:
    /// the members' last commits and leaving their groups (from when the application settled what
    /// it held), then the publishes in progress with the producer's flush of what was accepted but
    /// not yet acknowledged. A commit during a rebalance waits as long. What is not done in time is logged: positions not committed are
    /// delivered again to the partitions' next owners, and publishes not acknowledged throw;
    /// nothing a publisher was told is written is lost. Default: 10 seconds.
    public var shutdownTimeout: Duration

    /// Splits a comma-separated `HOST:PORT` list, as `bootstrap.servers` and
    /// `KAFKA_BOOTSTRAP_SERVERS` write it, into its servers.
    ///
    /// - Throws: `MessagingError` with code `invalidConfiguration` naming the first entry that is
    ///   not `HOST:PORT` with a port from 1 to 65535, or when the list is empty.
    public static func bootstrapServers(from list: String) throws(MessagingError) -> [String] {
        let servers = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !servers.isEmpty else {
            throw MessagingError(.invalidConfiguration, "The bootstrap server list '\(list)' names no server.")
        }
        for server in servers {
            guard let colon = server.lastIndex(of: ":"), colon != server.startIndex,
                let port = Int(server[server.index(after: colon)...]), (1...65_535).contains(port)
            else {
                throw MessagingError(
                    .invalidConfiguration,
                    "'\(server)' is not a bootstrap server: expected HOST:PORT."
                )
            }
        }
        return servers
    }

    /// Creates a configuration for the brokers at `bootstrapServers`.
    public init(bootstrapServers: [String]) {
        self.bootstrapServers = bootstrapServers
        self.clientID = "swift-integration-patterns"
        self.security = .plaintext
        self.producer = Producer()
        self.consumer = Consumer()
        self.topicCreation = nil
        self.maximumMessageBytes = 1_000_000
        self.additionalProperties = [:]
        self.shutdownTimeout = .seconds(10)
    }

    // MARK: - Producer

    /// Producer options.
    public struct Producer: Sendable {
        /// Idempotent producing: no duplicates or reordering from internal retries. Requires
        /// ``acks`` to be ``Acknowledgements/all``. Default: `true`.
        public var isIdempotent: Bool = true
        /// How many replicas must have a message before it counts as written.
        /// Default: ``Acknowledgements/all``.
        public var acks: Acknowledgements = .all
        /// How long a message may take to be acknowledged, retries included, before its publish
        /// fails with `timedOut`. Default: 30 seconds.
        public var deliveryTimeout: Duration = .seconds(30)
        /// How long to wait for more messages to fill a batch. Default: 5 milliseconds.
        public var linger: Duration = .milliseconds(5)
        /// The largest batch sent to one partition, in bytes. Default: 1 000 000.
        public var batchBytes: Int = 1_000_000
        /// Compression of produced batches. Default: ``Compression/none``.
        public var compression: Compression = .none
        /// The most messages waiting to be sent; `publish` waits for room beyond it.
        /// Default: 100 000.
        public var queueCapacity: Int = 100_000

        /// Creates producer options with the defaults above.
        public init() {}
    }

    /// How many replicas must acknowledge a write.
    public struct Acknowledgements: Sendable, Hashable {
        let value: String
        /// Every in-sync replica: no loss while one of them survives.
        public static let all = Acknowledgements(value: "all")
        /// The partition leader only.
        public static let leader = Acknowledgements(value: "1")
    }

    /// A compression codec for produced batches.
    public struct Compression: Sendable, Hashable {
        let value: String
        /// No compression.
        public static let none = Compression(value: "none")
        /// gzip.
        public static let gzip = Compression(value: "gzip")
        /// Snappy.
        public static let snappy = Compression(value: "snappy")
        /// LZ4.
        public static let lz4 = Compression(value: "lz4")
        /// Zstandard.
        public static let zstd = Compression(value: "zstd")
    }

    // MARK: - Consumer

    /// Consumer group options.
    ///
    /// Partitions are assigned with librdkafka's default (eager) strategies: a rebalance ends in
    /// one round, so `subscribe` returns with the group settled. Incremental rebalancing works
    /// too — set `partition.assignment.strategy` to `cooperative-sticky` in
    /// ``KafkaConfiguration/additionalProperties`` — but a new member may then receive its
    /// partitions in a second round, after `subscribe` returned.
    public struct Consumer: Sendable {
        /// How long the group coordinator waits for a silent member before handing its
        /// partitions to others. Default: 45 seconds.
        public var sessionTimeout: Duration = .seconds(45)
        /// How often members tell the coordinator they are alive; well below
        /// ``sessionTimeout``. Default: 3 seconds.
        public var heartbeatInterval: Duration = .seconds(3)
        /// How often acknowledged positions are committed while consuming; they are also
        /// committed on every rebalance and on shutdown. Default: 1 second.
        public var commitInterval: Duration = .seconds(1)
        /// How long `subscribe` waits for the member's first partition assignment.
        /// Default: 60 seconds.
        public var joinTimeout: Duration = .seconds(60)
        /// How long a rebalance waits for this member's handed-out deliveries of revoked
        /// partitions to be settled before giving them up to the next owner. Default: 10 seconds.
        public var revocationGracePeriod: Duration = .seconds(10)
        /// How many messages librdkafka keeps fetched ahead of the application
        /// (`queued.min.messages`). Default: 100 000, librdkafka's own.
        ///
        /// librdkafka 2.0 counts them across all of the member's partitions, and while its
        /// queue holds more it fetches nothing, for up to about a second each time. Keep this
        /// well above what one member consumes in a second: at 10 000, a member reading 128
        /// partitions ran at an eighth of its speed at 100 000.
        public var fetchAheadMessages: Int = 100_000

        /// Creates consumer options with the defaults above.
        public init() {}
    }

    // MARK: - Topics

    /// The shape of topics the transport creates.
    public struct TopicCreation: Sendable, Hashable {
        /// Partitions of a new topic.
        public var partitions: Int
        /// Replicas of each partition; `nil` uses the brokers' default.
        public var replicationFactor: Int?

        /// Creates a topic shape.
        public init(partitions: Int, replicationFactor: Int? = nil) {
            self.partitions = partitions
            self.replicationFactor = replicationFactor
        }
    }
}
