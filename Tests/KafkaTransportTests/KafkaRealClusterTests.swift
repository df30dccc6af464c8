import Foundation
import KafkaTransport
import Messaging
import MessagingTesting
import Testing

/// The brokers of a real cluster to test against, from `KAFKA_BOOTSTRAP_SERVERS`.
let realClusterBootstrapServers = ProcessInfo.processInfo.environment["KAFKA_BOOTSTRAP_SERVERS"]

/// Runs only when `KAFKA_BOOTSTRAP_SERVERS` names a reachable cluster.
@Suite("KafkaTransport on a real cluster", .enabled(if: realClusterBootstrapServers != nil))
struct KafkaRealClusterTests {
    func configuration() -> KafkaConfiguration {
        var configuration = testConfiguration(realClusterBootstrapServers ?? "")
        configuration.topicCreation = KafkaConfiguration.TopicCreation(partitions: 4)
        configuration.maximumMessageBytes = 1_000_000
        return configuration
    }

    @Test(arguments: ConformanceScenario.allCases)
    func conformance(_ scenario: ConformanceScenario) async throws {
        let configuration = configuration()
        let suite = TransportConformanceSuite(timeout: .seconds(120)) {
            try KafkaTransport(configuration: configuration)
        }
        let outcome = try await suite.run(scenario)
        #expect(outcome == .passed || scenario == .largePayload)
    }

    @Test func topicsAreCreatedThroughTheAdminAPI() async throws {
        let transport = try KafkaTransport(configuration: configuration())
        let topic = "admin-created-\(UUID().uuidString.prefix(8))"
        let deliveries = try await transport.subscribe(to: topic, group: "g", options: .init(startPosition: .earliest))
        try await transport.publish(Message(payload: Data("created".utf8)), to: topic)
        var iterator = deliveries.makeAsyncIterator()
        #expect(try await iterator.next()?.message.payload == Data("created".utf8))
        await transport.shutdown()
    }
}
