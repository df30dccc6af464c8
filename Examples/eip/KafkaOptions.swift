import ArgumentParser
import Foundation
import KafkaTransport
import Messaging

/// The options of every command that talks to Kafka.
struct KafkaOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers, HOST:PORT[,HOST:PORT…]. Default: $KAFKA_BOOTSTRAP_SERVERS.")
    var kafka: String?

    @Option(help: "Seconds to wait for the brokers before giving up.")
    var timeout: Double = 10

    func validate() throws {
        guard timeout > 0, timeout.isFinite else {
            throw ValidationError("--timeout must be a positive number of seconds; got \(timeout)")
        }
        _ = try servers()
    }

    var timeoutDuration: Duration { .milliseconds(Int(timeout * 1000)) }

    /// The bootstrap servers, checked for the `HOST:PORT` form.
    func servers() throws -> [String] {
        guard let list = kafka ?? ProcessInfo.processInfo.environment["KAFKA_BOOTSTRAP_SERVERS"] else {
            throw ValidationError(
                "Missing --kafka HOST:PORT (or set KAFKA_BOOTSTRAP_SERVERS); `eip kafka-mock` starts a local cluster."
            )
        }
        do {
            return try KafkaConfiguration.bootstrapServers(from: list)
        } catch {
            throw ValidationError("--kafka expects HOST:PORT; '\(list)' is not one")
        }
    }

    /// A transport for the brokers, with `timeout` as its delivery and join timeout.
    ///
    /// Its consumers have a short session timeout (6 s, the brokers' usual minimum): a group that
    /// `eip` left is free again at once on a real cluster, but librdkafka's mock cluster keeps a
    /// member that left until its session times out.
    func transport() throws -> KafkaTransport {
        var configuration = KafkaConfiguration(bootstrapServers: try servers())
        configuration.clientID = "eip"
        configuration.producer.deliveryTimeout = timeoutDuration
        configuration.consumer.joinTimeout = timeoutDuration
        configuration.consumer.sessionTimeout = .seconds(6)
        configuration.consumer.heartbeatInterval = .seconds(1)
        configuration.additionalProperties["log_level"] = "0"
        return try KafkaTransport(configuration: configuration)
    }

    /// Checks that the brokers answer and that `topic` exists, saying which is not so.
    func requireTopic(_ topic: String, on transport: KafkaTransport) async throws {
        let addresses = try servers().joined(separator: ",")
        let topics: [String: Int]
        do {
            topics = try await transport.topics(timeout: timeoutDuration)
        } catch {
            guard error.code == .timedOut else { throw error }
            throw EIPError(
                "No Kafka broker answered at \(addresses) within \(timeout) s. Is the address right and the cluster running?"
            )
        }
        guard topics[topic] != nil else {
            let known = topics.keys.filter { !$0.hasPrefix("__") }.sorted()
            throw EIPError(
                "Topic '\(topic)' does not exist on \(addresses)"
                    + (known.isEmpty ? "; the cluster has no topics." : "; it has: \(known.joined(separator: ", ")).")
            )
        }
    }
}
