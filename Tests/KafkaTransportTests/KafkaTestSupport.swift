import KafkaTransport
import Messaging

/// Configuration for tests: group timeouts long enough for a loaded machine, commits every 200 ms.
func testConfiguration(_ bootstrapServers: String) -> KafkaConfiguration {
    var configuration = KafkaConfiguration(bootstrapServers: [bootstrapServers])
    configuration.consumer.sessionTimeout = .seconds(10)
    configuration.consumer.heartbeatInterval = .seconds(1)
    configuration.consumer.commitInterval = .milliseconds(200)
    configuration.consumer.joinTimeout = .seconds(30)
    configuration.producer.linger = .milliseconds(1)
    configuration.maximumMessageBytes = 2 * 1024 * 1024
    configuration.additionalProperties["log_level"] = "3"
    return configuration
}
