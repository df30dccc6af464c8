import KafkaTransport
import Messaging
import Testing

@Suite("KafkaTransport topic metadata")
struct KafkaTopicsTests {
    @Test("topics() lists each topic with its partition count")
    func listsTopics() async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        try cluster.createTopic("orders", partitions: 6)
        try cluster.createTopic("invoices", partitions: 2)
        let transport = try KafkaTransport(configuration: testConfiguration(cluster.bootstrapServers))
        let topics = try await transport.topics()
        #expect(topics["orders"] == 6)
        #expect(topics["invoices"] == 2)
        #expect(topics["unknown"] == nil)
        await transport.shutdown()
    }

    @Test("topics() times out with a typed error when no broker answers")
    func unreachable() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let transport = try KafkaTransport(configuration: testConfiguration(cluster.bootstrapServers))
        try cluster.takeDown(broker: 1)
        let error = await #expect(throws: MessagingError.self) {
            try await transport.topics(timeout: .milliseconds(500))
        }
        #expect(error?.code == .timedOut)
        await transport.shutdown()
    }
}
