import CRawKafka
import Foundation
import KafkaTransport
import Messaging

/// `KafkaTransport` beside a plain librdkafka client written in C, in the same run, each round of
/// each side on a 3-broker mock cluster of its own.
enum KafkaScenarios {
    /// Partitions of each benchmark topic: the mock cluster keeps about 5 MB per partition, so
    /// 1 000 000 records of about 270 bytes (payload, headers and framing) need more than 60
    /// for a consumer to find them all; 128 leave room.
    static let partitions = 128

    /// Producer properties for filling the consume topic: keyless records spread evenly, in
    /// batches of hundreds.
    ///
    /// librdkafka's sticky partitioner sends each 10 ms of keyless records to one partition, so
    /// at these rates one partition can get several times its share, and one past the mock
    /// cluster's 5 MB loses its oldest records: a consumer then waits for records that are gone.
    /// The mock cluster finds a fetch's offset by walking the partition's batches from the first
    /// (it keeps no index), so with the transport's 5 ms linger, which spreads each few
    /// milliseconds of records over all 128 partitions, its thread took about a quarter of the
    /// consume scenario's CPU time, on the cores the readers need; with 100 ms, about a twentieth.
    static func fillProducerProperties(_ configuration: KafkaConfiguration) -> [(String, String)] {
        producerProperties(configuration) + [("sticky.partitioning.linger.ms", "0"), ("linger.ms", "100")]
    }

    /// The transport's settings; the C clients get the same librdkafka properties.
    static func configuration(_ cluster: KafkaMockCluster) -> KafkaConfiguration {
        var configuration = KafkaConfiguration(bootstrapServers: [cluster.bootstrapServers])
        configuration.consumer.sessionTimeout = .seconds(10)
        // Room for a whole topic in librdkafka's queue: past `queued.min.messages` or
        // `queued.max.messages.kbytes`, librdkafka 2.0 stops fetching for up to a second, and
        // the consume scenario would measure that stall rather than the consumers.
        configuration.consumer.fetchAheadMessages = 1_000_000
        configuration.additionalProperties["queued.max.messages.kbytes"] = "1048576"
        configuration.additionalProperties["log_level"] = "0"
        return configuration
    }

    static func producerProperties(_ configuration: KafkaConfiguration) -> [(String, String)] {
        configuration.producerProperties.map { ($0.key, $0.value) }
    }

    /// The transport's consumer properties, except that the C consumer, which has no committing
    /// code of its own, lets librdkafka commit the offsets it stores, and starts at the earliest
    /// offset where the transport chooses its start itself.
    static func consumerProperties(_ configuration: KafkaConfiguration, group: String) -> [(String, String)] {
        var properties = configuration.consumerProperties(group: group)
        properties["auto.offset.reset"] = "earliest"
        properties["enable.auto.commit"] = "true"
        return properties.map { ($0.key, $0.value) }
    }

    /// Calls the C client on a thread of its own, so the cooperative pool is not blocked.
    static func raw(
        _ properties: [(String, String)],
        _ body:
            @escaping @Sendable (
                UnsafePointer<raw_kafka_property>, Int, UnsafeMutablePointer<raw_kafka_result>,
                UnsafeMutablePointer<CChar>
            ) -> Int32
    ) async throws -> raw_kafka_result {
        let outcome: Result<raw_kafka_result, BenchmarkError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                let names = properties.map { strdup($0.0)! }
                let values = properties.map { strdup($0.1)! }
                defer { (names + values).forEach { free($0) } }
                let list = zip(names, values).map { raw_kafka_property(name: $0, value: $1) }
                var result = raw_kafka_result()
                var error = [CChar](repeating: 0, count: 512)
                let status = list.withUnsafeBufferPointer { buffer in
                    body(buffer.baseAddress!, buffer.count, &result, &error)
                }
                continuation.resume(
                    returning: status == 0
                        ? .success(result)
                        : .failure(
                            BenchmarkError(
                                String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                            )
                        )
                )
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        return try outcome.get()
    }

    /// Messages per second confirmed by a raw C producer.
    static func rawProduceRate(
        _ configuration: KafkaConfiguration,
        topic: String,
        count: Int,
        properties: [(String, String)]? = nil
    ) async throws -> Double {
        let result = try await raw(properties ?? producerProperties(configuration)) {
            properties,
            propertyCount,
            result,
            error in
            raw_kafka_produce(properties, propertyCount, topic, Int64(count), Scale.payloadBytes, result, error, 512)
        }
        guard result.messages == count else {
            throw BenchmarkError("the raw producer confirmed \(result.messages) of \(count) messages")
        }
        return Double(count) / result.seconds
    }

    /// Messages per second confirmed through `KafkaTransport.publish`: batches of 10 000 from
    /// 4 tasks, so that the producer's queue never runs dry.
    static func transportProduceRate(_ configuration: KafkaConfiguration, topic: String, count: Int) async throws
        -> Double
    {
        let transport = try KafkaTransport(configuration: configuration)
        let payload = Data(repeating: UInt8(ascii: "x"), count: Scale.payloadBytes)
        let batchSize = 10_000
        let batches = (0..<(count + batchSize - 1) / batchSize).map { batch in
            (0..<min(batchSize, count - batch * batchSize)).map { _ in Message(payload: payload) }
        }
        let next = Tally()
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for _ in 0..<4 {
                tasks.addTask {
                    while true {
                        let index = next.increment() - 1
                        guard index < batches.count else { return }
                        try await transport.publish(batches[index], to: topic)
                    }
                }
            }
            try await tasks.waitForAll()
        }
        let elapsed = clock.now - start
        await transport.shutdown()
        return Double(count) / seconds(elapsed)
    }

    /// Each round of each side produces to a cluster of its own, started for it and stopped
    /// after it: one cluster for all rounds kept every round's records (the process grew to about
    /// 1.7 GB), and each side ran against a cluster the rounds before had filled and left busy,
    /// which scattered the C producer's rate twice as widely as the same C run in a process of
    /// its own.
    static let produce = Scenario(name: "kafka-produce") { scale in
        let (project, baseline) = try await Scenario.alternate(rounds: scale.rounds) {
            try await onFreshCluster(topic: "produce") { configuration in
                try await rawProduceRate(configuration, topic: "produce", count: scale.kafkaMessages)
            }
        } project: {
            try await onFreshCluster(topic: "produce") { configuration in
                try await transportProduceRate(configuration, topic: "produce", count: scale.kafkaMessages)
            }
        }
        return .throughput("kafka-produce", project: project, baseline: baseline, target: 0.9)
    }

    /// Runs `body` against a 3-broker cluster of its own with `topic` created, and stops the
    /// cluster, freeing its records, once `body` returns.
    static func onFreshCluster<Result>(
        topic: String,
        _ body: (KafkaConfiguration) async throws -> Result
    ) async throws -> Result {
        let cluster = try KafkaMockCluster(brokers: 3)
        try cluster.createTopic(topic, partitions: partitions)
        defer { withExtendedLifetime(cluster) {} }
        return try await body(configuration(cluster))
    }

    /// Messages per second from the first to the last message received by a raw C consumer,
    /// which reads each message's headers and payload.
    static func rawConsumeRate(_ configuration: KafkaConfiguration, topic: String, group: String, count: Int)
        async throws -> Double
    {
        let result = try await raw(consumerProperties(configuration, group: group)) {
            properties,
            propertyCount,
            result,
            error in
            raw_kafka_consume(properties, propertyCount, topic, Int64(count), 30_000, result, error, 512)
        }
        guard result.bytes >= count * Scale.payloadBytes else {
            throw BenchmarkError("the raw consumer read \(result.bytes) bytes of \(count) messages")
        }
        return Double(count) / result.seconds
    }

    /// Messages per second from the first to the last delivery of a `KafkaTransport` group
    /// member, acknowledging each.
    static func transportConsumeRate(_ configuration: KafkaConfiguration, topic: String, group: String, count: Int)
        async throws -> Double
    {
        let transport = try KafkaTransport(configuration: configuration)
        let deliveries = try await transport.subscribe(
            to: topic,
            group: group,
            options: SubscriptionOptions(startPosition: .earliest, prefetch: configuration.consumer.fetchAheadMessages)
        )
        let clock = ContinuousClock()
        var start: ContinuousClock.Instant?
        var received = 0
        for try await delivery in deliveries {
            if start == nil { start = clock.now }
            _ = delivery.message.payload.count
            try delivery.acknowledge()
            received += 1
            if received == count { break }
        }
        let elapsed = clock.now - (start ?? clock.now)
        await deliveries.close()
        await transport.shutdown()
        return Double(count) / seconds(elapsed)
    }

    /// Each round of each side reads a topic filled for it on a cluster of its own, for the
    /// reasons given at ``produce``.
    static let consume = Scenario(name: "kafka-consume") { scale in
        let count = scale.kafkaMessages
        func filled(_ read: @escaping (KafkaConfiguration) async throws -> Double) async throws -> Double {
            try await onFreshCluster(topic: "consume") { configuration in
                _ = try await rawProduceRate(
                    configuration,
                    topic: "consume",
                    count: count,
                    properties: fillProducerProperties(configuration)
                )
                return try await read(configuration)
            }
        }
        let (project, baseline) = try await Scenario.alternate(rounds: scale.rounds) {
            try await filled { configuration in
                try await rawConsumeRate(configuration, topic: "consume", group: "raw", count: count)
            }
        } project: {
            try await filled { configuration in
                try await transportConsumeRate(configuration, topic: "consume", group: "transport", count: count)
            }
        }
        return .throughput("kafka-consume", project: project, baseline: baseline, target: 0.9)
    }
}
