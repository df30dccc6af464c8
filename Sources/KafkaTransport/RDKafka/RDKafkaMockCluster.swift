import CRdKafka
import Logging
import Messaging

/// librdkafka's in-process mock cluster and the client handle that owns it.
final class RDKafkaMockCluster: @unchecked Sendable {
    private let client: RDKafkaHandle
    private let cluster: OpaquePointer
    let bootstrapServers: String

    init(brokers: Int, logger: Logger) throws(MessagingError) {
        client = try RDKafkaClient.make(
            RD_KAFKA_PRODUCER,
            properties: [:],
            callbacks: RDKafkaLogOnlyCallbacks(logger: logger)
        )
        guard let cluster = rd_kafka_mock_cluster_new(client.pointer, Int32(brokers)) else {
            throw MessagingError(
                .transportFailure,
                "librdkafka could not start a mock cluster with \(brokers) brokers."
            )
        }
        self.cluster = cluster
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
    }

    func setBroker(_ broker: Int32, up: Bool) throws(MessagingError) {
        let code = up ? rd_kafka_mock_broker_set_up(cluster, broker) : rd_kafka_mock_broker_set_down(cluster, broker)
        try check(code, "Setting broker \(broker) \(up ? "up" : "down")")
    }

    func setRoundTripTime(_ milliseconds: Int32, broker: Int32) throws(MessagingError) {
        try check(
            rd_kafka_mock_broker_set_rtt(cluster, broker, milliseconds),
            "Setting the round-trip time of broker \(broker)"
        )
    }

    func pushRequestErrors(apiKey: Int16, errors: [Int32]) {
        var codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
        rd_kafka_mock_push_request_errors_array(cluster, apiKey, codes.count, &codes)
    }

    func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32) throws(MessagingError) {
        try check(rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor), "Creating topic '\(name)'")
    }

    static func errorName(_ code: Int32) -> String {
        String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: code)))
    }

    private func check(_ code: rd_kafka_resp_err_t, _ what: String) throws(MessagingError) {
        if code != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw RDKafkaClient.error(code, what)
        }
    }
}
