import CRdKafka
import Foundation
import Messaging

/// Topic administration through librdkafka's admin API.
enum RDKafkaAdmin {
    /// Creates `topic` unless it exists, on a thread of its own (the admin call blocks).
    static func createTopic(
        _ topic: String,
        partitions: Int,
        replicationFactor: Int?,
        using client: OpaquePointer,
        timeout: Duration
    ) async throws(MessagingError) {
        let result: Result<Void, MessagingError> = await withCheckedContinuation { continuation in
            let box = UnsafeSendable(client)
            let thread = Thread {
                continuation.resume(
                    returning: create(topic, partitions, replicationFactor, box.value, timeout.milliseconds)
                )
            }
            thread.name = "kafka-admin"
            thread.start()
        }
        try result.get()
    }

    /// The cluster's topics and their partition counts, on a thread of its own (the metadata
    /// request blocks). With `topic`, only that topic is asked for, and the answer has it only if
    /// it exists; the request also teaches the client the topic's partitions.
    static func topics(
        using client: OpaquePointer,
        timeout: Duration,
        only topic: String? = nil
    ) async throws(MessagingError) -> [String: Int] {
        let result: Result<[String: Int], MessagingError> = await withCheckedContinuation { continuation in
            let box = UnsafeSendable(client)
            let thread = Thread {
                continuation.resume(returning: topics(box.value, timeout.milliseconds, only: topic))
            }
            thread.name = "kafka-metadata"
            thread.start()
        }
        return try result.get()
    }

    private static func topics(_ client: OpaquePointer, _ timeoutMilliseconds: Int, only topic: String?) -> Result<
        [String: Int], MessagingError
    > {
        let handle = topic.flatMap { rd_kafka_topic_new(client, $0, nil) }
        defer { handle.map { rd_kafka_topic_destroy($0) } }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let code = rd_kafka_metadata(
            client,
            topic == nil ? 1 : 0,
            handle,
            &metadata,
            Int32(clamping: timeoutMilliseconds)
        )
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            if code == RD_KAFKA_RESP_ERR__TIMED_OUT || code == RD_KAFKA_RESP_ERR__TRANSPORT {
                let subject = topic.map { " for topic '\($0)'" } ?? ""
                return .failure(
                    MessagingError(
                        .timedOut,
                        "No Kafka broker answered a metadata request\(subject) within \(timeoutMilliseconds) ms.",
                        isRetriable: true
                    )
                )
            }
            return .failure(RDKafkaClient.error(code, "Reading the cluster's topics failed"))
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        var topics: [String: Int] = [:]
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR else { continue }
            topics[String(cString: topic.topic)] = Int(topic.partition_cnt)
        }
        return .success(topics)
    }

    private static func create(
        _ topic: String,
        _ partitions: Int,
        _ replicationFactor: Int?,
        _ client: OpaquePointer,
        _ timeoutMilliseconds: Int
    ) -> Result<Void, MessagingError> {
        var message = [CChar](repeating: 0, count: 512)
        guard
            let newTopic = rd_kafka_NewTopic_new(
                topic,
                Int32(clamping: partitions),
                Int32(clamping: replicationFactor ?? -1),
                &message,
                message.count
            )
        else {
            return .failure(
                MessagingError(
                    .invalidConfiguration,
                    "Topic '\(topic)' cannot be created: \(RDKafkaClient.text(message))"
                )
            )
        }
        defer { rd_kafka_NewTopic_destroy(newTopic) }
        let queue = rd_kafka_queue_new(client)!
        defer { rd_kafka_queue_destroy(queue) }
        var topics: [OpaquePointer?] = [newTopic]
        rd_kafka_CreateTopics(client, &topics, 1, nil, queue)
        guard let event = rd_kafka_queue_poll(queue, Int32(clamping: timeoutMilliseconds)) else {
            return .failure(
                MessagingError(
                    .timedOut,
                    "Creating topic '\(topic)' got no answer within \(timeoutMilliseconds) ms.",
                    isRetriable: true
                )
            )
        }
        defer { rd_kafka_event_destroy(event) }
        if rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR {
            return .failure(RDKafkaClient.error(rd_kafka_event_error(event), "Creating topic '\(topic)' failed"))
        }
        var count = 0
        let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
        for index in 0..<count {
            let code = rd_kafka_topic_result_error(results![index])
            if code != RD_KAFKA_RESP_ERR_NO_ERROR, code != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                return .failure(RDKafkaClient.error(code, "Creating topic '\(topic)' failed"))
            }
        }
        return .success(())
    }
}

/// Carries a value whose thread safety the C library guarantees across a thread hop.
struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value

    init(_ value: Value) {
        self.value = value
    }
}
