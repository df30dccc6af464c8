import KafkaTransport

/// What "Testing with the mock cluster" takes as given: the cluster and transport of its first test.
/// The samples are compiled, never run.
extension KafkaTransportTestingWithTheMockClusterSamples {
    /// The test's mock cluster.
    var cluster: KafkaMockCluster { try! KafkaMockCluster(brokers: 3) }
    /// The test's transport.
    var transport: KafkaTransport {
        try! KafkaTransport(configuration: KafkaConfiguration(bootstrapServers: [cluster.bootstrapServers]))
    }
}
