import Foundation
import KafkaTransport
import Messaging
import Testing

@Suite("KafkaTransport under faults")
struct KafkaFaultTests {
    @Test("A broker down for 3 s while 100 000 messages are published: none lost, none duplicated")
    func brokerDownWhilePublishing() async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        try cluster.createTopic("faults.broker-down", partitions: 16, replicationFactor: 3)
        let configuration = testConfiguration(cluster.bootstrapServers)
        let publisher = try KafkaTransport(configuration: configuration)
        let consumer = try KafkaTransport(configuration: configuration)
        let members = [
            try await consumer.subscribe(
                to: "faults.broker-down",
                group: "counting",
                options: .init(startPosition: .earliest)
            )
        ]
        let messages = numberedMessages(100_000, prefix: "down")
        let received = Received()
        async let consumed: Void = consume(messages.count, from: members, into: received)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<4 {
                group.addTask {
                    for start in stride(from: lane * 1000, to: messages.count, by: 4000) {
                        try await publisher.publish(Array(messages[start..<(start + 1000)]), to: "faults.broker-down")
                    }
                }
            }
            group.addTask {
                try cluster.takeDown(broker: 2)
                try await Task.sleep(for: .seconds(3))
                try cluster.bringUp(broker: 2)
            }
            try await group.waitForAll()
        }
        try await consumed
        #expect(received.mismatch(with: messages) == nil)
        #expect(received.duplicates == 0)
        await consumer.shutdown()
        await publisher.shutdown()
    }

    @Test("Retriable produce errors are retried: every message arrives exactly once")
    func retriableProduceErrors() async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        // Created first, and read from the earliest offset: a member subscribing to a topic that
        // does not exist yet may get its partitions, at their latest offsets, only after the
        // first messages were stored.
        try cluster.createTopic("faults.produce-errors", partitions: 8, replicationFactor: 3)
        var configuration = testConfiguration(cluster.bootstrapServers)
        // One request in flight per broker. A broker accepts an idempotent producer's batches only
        // in sequence, so a batch accepted after one that failed proves the failed one was
        // written, and librdkafka reports it delivered; librdkafka 2.0's mock cluster checks
        // sequences for transactional producers only, so with several requests in flight a
        // batch refused by an injected error could be reported delivered and never written.
        configuration.additionalProperties["max.in.flight.requests.per.connection"] = "1"
        let transport = try KafkaTransport(configuration: configuration)
        let members = [
            try await transport.subscribe(
                to: "faults.produce-errors",
                group: "counting",
                options: .init(startPosition: .earliest)
            )
        ]
        cluster.failNextRequests(
            .produce,
            with: [
                .notLeaderForPartition, .requestTimedOut, .notEnoughReplicas, .notLeaderForPartition, .requestTimedOut,
            ]
        )
        let messages = numberedMessages(2_000, prefix: "retried")
        for start in stride(from: 0, to: messages.count, by: 100) {
            try await transport.publish(Array(messages[start..<(start + 100)]), to: "faults.produce-errors")
        }
        let received = Received()
        try await consume(messages.count, from: members, into: received)
        if let mismatch = received.mismatch(with: messages) {
            // Whether the topic holds what the member did not get tells a consumer's loss from a
            // producer's.
            let recount = Received()
            let again = try await transport.subscribe(
                to: "faults.produce-errors",
                group: "recount",
                options: .init(startPosition: .earliest)
            )
            try await consume(messages.count, from: [again], into: recount, timeout: .seconds(30))
            Issue.record(
                "\(mismatch). Read again by a new group: \(recount.mismatch(with: messages) ?? "every message is in the topic")"
            )
        }
        #expect(received.duplicates == 0)
        await transport.shutdown()
    }

    @Test("A member that stops before acknowledging hands its messages to the other member")
    func memberStopsBeforeAcknowledging() async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        let configuration = testConfiguration(cluster.bootstrapServers)
        try cluster.createTopic("faults.handover", partitions: 8, replicationFactor: 3)
        let leaving = try KafkaTransport(configuration: configuration)
        let staying = try KafkaTransport(configuration: configuration)
        let options = SubscriptionOptions(startPosition: .earliest)
        let quitter = try await leaving.subscribe(to: "faults.handover", group: "workers", options: options)
        let worker = try await staying.subscribe(to: "faults.handover", group: "workers", options: options)
        let messages = numberedMessages(400, prefix: "handover")
        try await staying.publish(messages, to: "faults.handover")

        var held: [Delivery] = []
        var iterator = quitter.makeAsyncIterator()
        let received = Received()
        async let workerDone: Void = consume(messages.count, from: [worker], into: received)
        while held.count < 10, let delivery = try await iterator.next() {
            held.append(delivery)
        }
        await quitter.close()
        try await workerDone

        #expect(!held.isEmpty)
        #expect(received.mismatch(with: messages) == nil)
        #expect(received.duplicates == 0)
        for delivery in held {
            #expect(throws: MessagingError.self) { try delivery.acknowledge() }
        }
        await leaving.shutdown()
        await staying.shutdown()
    }

    /// The mock coordinator refuses commits while a group rebalances, which real brokers accept
    /// from the current generation; so messages settled just before a rebalance on a partition
    /// that moves may be delivered again — only those.
    @Test("Two members joining mid-stream: nothing lost, duplicates counted")
    func membersJoinMidStream() async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        try cluster.createTopic("faults.rebalance", partitions: 6, replicationFactor: 3)
        let configuration = testConfiguration(cluster.bootstrapServers)
        let publisher = try KafkaTransport(configuration: configuration)
        let options = SubscriptionOptions(startPosition: .earliest, prefetch: 64)
        let first = try await KafkaTransport(configuration: configuration)
            .subscribe(to: "faults.rebalance", group: "growing", options: options)
        let messages = numberedMessages(6_000, prefix: "rebalance")
        let received = Received()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await consume(messages.count, from: [first], into: received) }
            try await publisher.publish(Array(messages[0..<2_000]), to: "faults.rebalance")
            let second = try await KafkaTransport(configuration: configuration)
                .subscribe(to: "faults.rebalance", group: "growing", options: options)
            group.addTask { try await consume(messages.count, from: [second], into: received) }
            try await publisher.publish(Array(messages[2_000..<4_000]), to: "faults.rebalance")
            let third = try await KafkaTransport(configuration: configuration)
                .subscribe(to: "faults.rebalance", group: "growing", options: options)
            group.addTask { try await consume(messages.count, from: [third], into: received) }
            try await publisher.publish(Array(messages[4_000...]), to: "faults.rebalance")
            try await group.next()
            group.cancelAll()
        }
        #expect(received.mismatch(with: messages) == nil)
        let inFlightDuringRebalances = Set(messages[0..<4_000].map(\.id))
        #expect(
            received.duplicatedIDs.isSubset(of: inFlightDuringRebalances),
            "a message published after the last member joined was delivered twice"
        )
        print("membersJoinMidStream: \(received.duplicates) duplicates among \(messages.count) messages")
        await publisher.shutdown()
    }

    /// The first member works slowly through a backlog, so its buffer is full of records it has
    /// not handed out when the second joins, and its polling thread takes batches as room
    /// frees. The records the revocation drops from the buffer must reach a member again.
    /// (A rebalance in the middle of a batch, which the consumer's rebalance callback guards
    /// against, did not happen in the runs of this test that were traced.)
    @Test("A member joining while another works through a backlog: nothing lost")
    func memberJoinsDuringBacklog() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("faults.backlog", partitions: 4, replicationFactor: 1)
        let configuration = testConfiguration(cluster.bootstrapServers)
        let publisher = try KafkaTransport(configuration: configuration)
        let messages = numberedMessages(20_000, prefix: "backlog")
        try await publisher.publish(messages, to: "faults.backlog")
        await publisher.shutdown()
        let options = SubscriptionOptions(startPosition: .earliest, prefetch: 512)
        let first = try await KafkaTransport(configuration: configuration)
            .subscribe(to: "faults.backlog", group: "backlog", options: options)
        let received = Received()
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Slower than its polling thread, which keeps the member's buffer full and takes each
            // batch from a queue librdkafka keeps filling.
            group.addTask {
                for try await delivery in first {
                    try await Task.sleep(for: .microseconds(200))
                    try delivery.acknowledge()
                    if received.record(delivery) >= messages.count { return }
                }
            }
            try await waitUntil("the first member handled 1 000 messages") { received.distinct.count >= 1_000 }
            let second = try await KafkaTransport(configuration: configuration)
                .subscribe(to: "faults.backlog", group: "backlog", options: options)
            group.addTask { try await consume(messages.count, from: [second], into: received) }
            try await group.next()
            group.cancelAll()
        }
        #expect(received.mismatch(with: messages) == nil)
    }

    @Test("A topic-creation request that gets no answer fails clearly within the timeout")
    func unansweredTopicCreation() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        var configuration = testConfiguration(cluster.bootstrapServers)
        configuration.topicCreation = KafkaConfiguration.TopicCreation(partitions: 8, replicationFactor: 1)
        configuration.producer.deliveryTimeout = .seconds(2)
        let transport = try KafkaTransport(configuration: configuration)
        await #expect {
            try await transport.publish(Message(), to: "needs-creating")
        } throws: { error in
            let error = error as! MessagingError
            return error.code == .timedOut && error.reason.contains("Creating topic 'needs-creating'")
        }
        await transport.shutdown()
    }

    /// Both calls end with `timedOut`, which only their own timeouts raise; the time limit turns
    /// a call that ignored its timeout for librdkafka's 5-minute default into a failure.
    @Test(
        "Nothing listening at the bootstrap address: publish and subscribe fail within their timeouts",
        .timeLimit(.minutes(4))
    )
    func unreachableBrokers() async throws {
        var configuration = KafkaConfiguration(bootstrapServers: ["127.0.0.1:1"])
        configuration.producer.deliveryTimeout = .seconds(2)
        configuration.consumer.joinTimeout = .seconds(2)
        configuration.additionalProperties["log_level"] = "0"
        let transport = try KafkaTransport(configuration: configuration)
        await #expect {
            try await transport.publish(Message(payload: Data("lost?".utf8)), to: "nowhere")
        } throws: { error in
            let error = error as! MessagingError
            return error.code == .timedOut && error.reason.contains("for topic 'nowhere'")
        }
        await #expect {
            _ = try await transport.subscribe(to: "nowhere", group: "nobody")
        } throws: { ($0 as! MessagingError).code == .timedOut }
        await transport.shutdown()
    }
}
