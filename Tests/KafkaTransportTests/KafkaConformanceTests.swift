import KafkaTransport
import Messaging
import MessagingTesting
import Testing

@Suite("KafkaTransport conformance on a 3-broker mock cluster")
struct KafkaConformanceTests {
    @Test(arguments: ConformanceScenario.allCases)
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
