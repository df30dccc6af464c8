import InMemoryTransport
import Messaging
import MessagingTesting
import Testing

@Suite("InMemoryTransport conformance")
struct InMemoryConformanceTests {
    @Test(arguments: ConformanceScenario.allCases)
    func conformance(_ scenario: ConformanceScenario) async throws {
        let broker = InMemoryBroker()
        let suite = TransportConformanceSuite(timeout: .seconds(20)) { InMemoryTransport(broker: broker) }
        #expect(try await suite.run(scenario) == .passed)
    }
}
