import Foundation
import KafkaTransport
import Messaging
import Synchronization
import Testing

@Suite("KafkaTransport's producer")
struct KafkaProducerTests {
    @Test("A batch twenty times the producer's queue is published whole, each key in order")
    func batchLargerThanTheQueue() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("producer.queue-full", partitions: 4)
        var configuration = testConfiguration(cluster.bootstrapServers)
        configuration.producer.queueCapacity = 100
        let publisher = try KafkaTransport(configuration: configuration)
        let consumer = try KafkaTransport(configuration: testConfiguration(cluster.bootstrapServers))
        let deliveries = try await consumer.subscribe(
            to: "producer.queue-full",
            group: "reading",
            options: .init(startPosition: .earliest)
        )
        let messages = numberedMessages(2_000, prefix: "full", keys: 8)
        try await publisher.publish(messages, to: "producer.queue-full")
        let arrivals = Arrivals()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await delivery in deliveries {
                    try delivery.acknowledge()
                    if arrivals.append(delivery.message) == messages.count { return }
                }
            }
            group.addTask { try await Task.sleep(for: .seconds(120)) }
            try await group.next()
            group.cancelAll()
        }
        let received = arrivals.messages
        #expect(received.count == messages.count)
        var order: [String: [Int]] = [:]
        for message in received {
            order[message.key!, default: []].append(Int(String(decoding: message.payload, as: UTF8.self))!)
        }
        #expect(order.count == 8)
        for (key, indices) in order {
            #expect(indices == indices.sorted(), "key \(key) out of order")
            #expect(Set(indices).count == messages.count / 8, "key \(key) duplicated or short")
        }
        await deliveries.close()
        await consumer.shutdown()
        await publisher.shutdown()
    }

    @Test("Publishes from eight tasks to four new topics at once are all delivered")
    func concurrentFirstPublishes() async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        let topics = (0..<4).map { "producer.first-\($0)" }
        for topic in topics {
            try cluster.createTopic(topic, partitions: 8)
        }
        let configuration = testConfiguration(cluster.bootstrapServers)
        let publisher = try KafkaTransport(configuration: configuration)
        let consumer = try KafkaTransport(configuration: configuration)
        let batches = (0..<8).map { numberedMessages(500, prefix: "first\($0)") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, batch) in batches.enumerated() {
                group.addTask { try await publisher.publish(batch, to: topics[index % topics.count]) }
            }
            try await group.waitForAll()
        }
        for (index, topic) in topics.enumerated() {
            let deliveries = try await consumer.subscribe(
                to: topic,
                group: "reading-\(index)",
                options: .init(startPosition: .earliest)
            )
            let received = Received()
            let expected = batches[index].count + batches[index + topics.count].count
            try await consume(expected, from: [deliveries], into: received)
            #expect(received.mismatch(with: batches[index] + batches[index + topics.count]) == nil)
            #expect(received.duplicates == 0)
            await deliveries.close()
        }
        await consumer.shutdown()
        await publisher.shutdown()
    }
}

/// Messages in the order a member received them.
private final class Arrivals: Sendable {
    private let list = Mutex<[Message]>([])

    /// Appends `message`; returns how many have arrived.
    func append(_ message: Message) -> Int {
        list.withLock { list in
            list.append(message)
            return list.count
        }
    }

    var messages: [Message] { list.withLock { $0 } }
}
