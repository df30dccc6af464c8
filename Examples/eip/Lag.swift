import ArgumentParser
import Foundation
import KafkaTransport
import Messaging

/// `eip lag`: how far a consumer group is behind on a topic.
struct Lag: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print how many messages of a topic a consumer group has not committed yet.",
        discussion: """
            One line per partition, `PARTITION LAG`, then `total LAG`; with --json, one JSON object \
            with `group`, `topic`, `partitions` (partition to lag) and `total`. A group that has \
            committed nothing on a partition lags by every message the partition retains.
            """
    )

    @OptionGroup var connection: KafkaOptions

    @Option(help: "The consumer group.")
    var group: String

    @Option(help: "The topic; it must exist.")
    var topic: String

    @Flag(help: "Print one JSON object instead of lines.")
    var json = false

    func run() async throws {
        EIP.bootstrapLogging()
        let transport = try connection.transport()
        try await connection.requireTopic(topic, on: transport)
        let lag = try await transport.consumerLagByPartition(of: group, on: topic, timeout: connection.timeoutDuration)
        await transport.shutdown()
        let total = lag.values.reduce(0, +)
        if json {
            let object: [String: Any] = [
                "group": group,
                "topic": topic,
                "partitions": Dictionary(uniqueKeysWithValues: lag.map { ("\($0.key)", $0.value) }),
                "total": total,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            emit(String(decoding: data, as: UTF8.self))
        } else {
            for partition in lag.keys.sorted() {
                emit("\(partition) \(lag[partition]!)")
            }
            emit("total \(total)")
        }
    }
}
