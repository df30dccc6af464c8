import CRdKafka
import Messaging

/// Topic administration through librdkafka's admin API.
enum RDKafkaAdmin {
    /// Creates `topic` unless it exists (on the shared queue of blocking calls).
    static func createTopic(
        _ topic: String,
        partitions: Int,
        replicationFactor: Int?,
        using client: RDKafkaHandle,
        timeout: Duration
    ) async throws(MessagingError) {
        try await RDKafkaBlockingCall.run("Creating topic '\(topic)'") {
            create(topic, partitions, replicationFactor, client.pointer, timeout.milliseconds)
        }
    }

    /// The cluster's topics and their partition counts (on the shared queue of blocking calls).
    /// With `topic`, only that topic is asked for, and the answer has it only if it exists; the
    /// request also teaches the client the topic's partitions.
    static func topics(
        using client: RDKafkaHandle,
        timeout: Duration,
        only topic: String? = nil
    ) async throws(MessagingError) -> [String: Int] {
        return try await RDKafkaBlockingCall.run("Reading the cluster's topics") {
            topics(client.pointer, timeout.milliseconds, only: topic)
        }
    }

    /// Per partition of `topic`, how many messages lie past `group`'s committed position: the
    /// high watermark less the committed offset, or less the low watermark where the group has
    /// committed nothing (on the shared queue of blocking calls).
    ///
    /// - Throws: `MessagingError` with code `invalidTopic` for a topic the cluster does not have,
    ///   `timedOut` when no broker answers in time.
    static func lag(
        of group: String,
        on topic: String,
        using client: RDKafkaHandle,
        timeout: Duration
    ) async throws(MessagingError) -> [Int32: Int64] {
        return try await RDKafkaBlockingCall.run("Reading the lag of group '\(group)' on '\(topic)'") {
            lag(of: group, on: topic, client.pointer, timeout.milliseconds)
        }
    }

    private static func lag(
        of group: String,
        on topic: String,
        _ client: OpaquePointer,
        _ timeoutMilliseconds: Int
    ) -> Result<[Int32: Int64], MessagingError> {
        // All topics: a request naming the topic would create it on a cluster that creates
        // topics on first use.
        let partitionCount: Int
        switch topics(client, timeoutMilliseconds, only: nil) {
        case .failure(let error): return .failure(error)
        case .success(let topics):
            guard let count = topics[topic] else {
                return .failure(MessagingError(.invalidTopic, "Topic '\(topic)' does not exist."))
            }
            partitionCount = count
        }
        let committed: [Int32: Int64]
        switch committedOffsets(of: group, on: topic, partitions: partitionCount, client, timeoutMilliseconds) {
        case .failure(let error): return .failure(error)
        case .success(let offsets): committed = offsets
        }
        var lag: [Int32: Int64] = [:]
        for partition in 0..<Int32(partitionCount) {
            var low: Int64 = 0
            var high: Int64 = 0
            let code = rd_kafka_query_watermark_offsets(
                client,
                topic,
                partition,
                &low,
                &high,
                Int32(clamping: timeoutMilliseconds)
            )
            guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
                return .failure(RDKafkaClient.error(code, "Reading the watermarks of '\(topic)'/\(partition) failed"))
            }
            let position = committed[partition].map { max($0, low) } ?? low
            lag[partition] = max(0, high - position)
        }
        return .success(lag)
    }

    /// The offsets `group` committed on `topic`'s partitions; a partition it committed nothing
    /// on is absent.
    private static func committedOffsets(
        of group: String,
        on topic: String,
        partitions: Int,
        _ client: OpaquePointer,
        _ timeoutMilliseconds: Int
    ) -> Result<[Int32: Int64], MessagingError> {
        let list = RDKafkaPartitionList(topic: topic, partitions: 0..<Int32(partitions))
        var request: OpaquePointer? = list.withPointer { rd_kafka_ListConsumerGroupOffsets_new(group, $0) }
        defer { rd_kafka_ListConsumerGroupOffsets_destroy(request) }
        let queue = rd_kafka_queue_new(client)!
        defer { rd_kafka_queue_destroy(queue) }
        rd_kafka_ListConsumerGroupOffsets(client, &request, 1, nil, queue)
        let event: OpaquePointer
        switch result(on: queue, within: timeoutMilliseconds, "Reading the committed offsets of group '\(group)'") {
        case .failure(let error): return .failure(error)
        case .success(let answer): event = answer
        }
        defer { rd_kafka_event_destroy(event) }
        var count = 0
        guard
            let groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
                rd_kafka_event_ListConsumerGroupOffsets_result(event),
                &count
            ), count == 1, let result = groups[0]
        else { return .success([:]) }
        if let error = rd_kafka_group_result_error(result) {
            return .failure(
                RDKafkaClient.error(
                    rd_kafka_error_code(error),
                    "Reading the committed offsets of group '\(group)' failed"
                )
            )
        }
        guard let offsets = rd_kafka_group_result_partitions(result) else { return .success([:]) }
        var committed: [Int32: Int64] = [:]
        for index in 0..<Int(offsets.pointee.cnt) {
            let element = offsets.pointee.elems[index]
            if element.err == RD_KAFKA_RESP_ERR_NO_ERROR, element.offset >= 0 {
                committed[element.partition] = element.offset
            }
        }
        return .success(committed)
    }

    /// The answer to the admin request `what` on `queue`, an event the caller destroys; a
    /// `timedOut` error when none came within `timeoutMilliseconds`, or the error it carries.
    private static func result(
        on queue: OpaquePointer,
        within timeoutMilliseconds: Int,
        _ what: String
    ) -> Result<OpaquePointer, MessagingError> {
        guard let event = rd_kafka_queue_poll(queue, Int32(clamping: timeoutMilliseconds)) else {
            return .failure(
                MessagingError(
                    .timedOut,
                    "\(what) got no answer within \(timeoutMilliseconds) ms.",
                    isRetriable: true
                )
            )
        }
        let code = rd_kafka_event_error(event)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            rd_kafka_event_destroy(event)
            return .failure(RDKafkaClient.error(code, "\(what) failed"))
        }
        return .success(event)
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
        let event: OpaquePointer
        switch result(on: queue, within: timeoutMilliseconds, "Creating topic '\(topic)'") {
        case .failure(let error): return .failure(error)
        case .success(let answer): event = answer
        }
        defer { rd_kafka_event_destroy(event) }
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
