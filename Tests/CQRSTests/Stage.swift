import InMemoryTransport
import KafkaTransport
import Logging
import MessageBus
import MessageBusTesting
import Messaging
import ServiceLifecycle
import Synchronization
import Testing

/// The transports the module's key tests run on.
enum Carrier: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// `InMemoryTransport`, every bus on one broker.
    case inMemory
    /// `KafkaTransport`, every bus a client of one librdkafka mock cluster, started in process.
    case kafka

    var testDescription: String { rawValue }
}

/// The place a test's applications meet: one in-memory broker or one Kafka mock cluster. Each
/// bus gets a transport of its own, as each process would.
final class Stage: Sendable {
    let carrier: Carrier
    private let broker = InMemoryBroker()
    private let cluster: KafkaMockCluster?

    /// Creates the stage; on Kafka, with `topics` of one partition each, so that consumers see
    /// them from the start.
    init(_ carrier: Carrier, topics: [String]) throws {
        self.carrier = carrier
        switch carrier {
        case .inMemory:
            cluster = nil
        case .kafka:
            let cluster = try KafkaMockCluster(brokers: 1)
            for topic in topics {
                try cluster.createTopic(topic, partitions: 1)
            }
            self.cluster = cluster
        }
    }

    /// A bus on a new transport: an application, or the same one after a restart.
    func bus(_ name: String = "test") throws -> Bus {
        let transport: any MessageTransport
        if let cluster {
            var configuration = cluster.clientConfiguration
            configuration.consumer.commitInterval = .milliseconds(100)
            configuration.producer.linger = .milliseconds(1)
            // librdkafka silent: its lines about connections closing at shutdown are no news.
            configuration.additionalProperties["log_level"] = "0"
            transport = try KafkaTransport(configuration: configuration)
        } else {
            transport = InMemoryTransport(broker: broker)
        }
        return Bus(transport: transport, name: name)
    }

    /// Runs `buses`, their transports and `services` around `body`, which starts once every bus
    /// runs; then shuts them down gracefully.
    func run<Result>(
        _ buses: [Bus],
        with services: [any Service] = [],
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Result
    ) async throws -> Result {
        let all: [any Service] = buses.map(\.transport) + buses + services
        return try await withRunningServices(all, logger: Logger(label: "CQRSTests")) {
            for bus in buses {
                try await bus.waitUntilRunning()
            }
            return try await body()
        }
    }

    /// Returns once `group` has settled every message published to `topic` so far, as `bus`'s
    /// transport reports the group's lag.
    func waitUntilHandled(_ topic: String, group: String, on bus: Bus) async throws {
        let reporter = try #require(bus.transport as? any ConsumerLagReporting)
        try await waitUntil("'\(group)' has handled every message of '\(topic)'") {
            await reporter.consumerLag(of: group, on: topic) == 0
        }
    }

    /// Returns once `condition` holds; fails the test after a minute.
    func waitUntil(_ what: String, _ condition: () async -> Bool) async throws {
        guard try await Messaging.waitUntil(timeout: .seconds(60), condition) else {
            throw StageTimeout(description: "timed out after 60 s waiting until \(what)")
        }
    }
}

/// A wait of a ``Stage`` that ran out of time, and what it waited for.
struct StageTimeout: Error, CustomStringConvertible {
    let description: String
}
