import KafkaTransport
import Messaging
import MessagingTesting
import Testing

@Suite("KafkaTransport conformance on a 3-broker mock cluster")
struct KafkaConformanceTests {
    /// One scenario at a time: each starts a 3-broker cluster of its own, and all 22 at once,
    /// beside the other Kafka suites, starved a 2-core machine until a group's join timed out.
    @Test(.serialized, arguments: ConformanceScenario.allCases)
    func conformance(_ scenario: ConformanceScenario) async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        let configuration = testConfiguration(cluster.bootstrapServers)
        let suite = TransportConformanceSuite(timeout: .seconds(60)) {
            try KafkaTransport(configuration: configuration)
        }
        #expect(try await suite.run(scenario) == .passed)
        withExtendedLifetime(cluster) {}
    }
}
