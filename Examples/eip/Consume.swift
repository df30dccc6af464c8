import ArgumentParser
import Foundation
import KafkaTransport
import Messaging
import ServiceLifecycle
import Synchronization

/// `eip consume`: a topic's messages as JSON lines.
struct Consume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a topic's messages as JSON lines, with their headers.",
        discussion: """
            Reads as a member of a consumer group and acknowledges each message once printed. \
            Without --group every run is a new group; without --from-beginning a new group starts \
            at the end of the topic. Runs until --count messages were read, --idle-timeout passed \
            without one, or Ctrl-C.
            """
    )

    @OptionGroup var connection: KafkaOptions

    @Option(help: "The topic to read; it must exist.")
    var topic: String

    @Option(help: "The consumer group. Default: a new group for this run.")
    var group: String?

    @Flag(help: "Start a new group at the earliest retained message instead of the latest.")
    var fromBeginning = false

    @Option(help: "Stop after this many messages.")
    var count: Int?

    @Option(help: "Stop after this many seconds without a message.")
    var idleTimeout: Double?

    func validate() throws {
        if let count, count <= 0 {
            throw ValidationError("--count must be at least 1; got \(count)")
        }
        if let idleTimeout, !(idleTimeout > 0) {
            throw ValidationError("--idle-timeout must be a positive number of seconds; got \(idleTimeout)")
        }
    }

    func run() async throws {
        EIP.bootstrapLogging()
        let transport = try connection.transport()
        try await connection.requireTopic(topic, on: transport)
        let reader = Reader(
            transport: transport,
            topic: topic,
            group: group ?? "eip-consume-\(UUID().uuidString.prefix(8).lowercased())",
            options: SubscriptionOptions(startPosition: fromBeginning ? .earliest : .latest),
            count: count,
            idleTimeout: idleTimeout.map { .milliseconds(Int($0 * 1000)) }
        )
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: transport),
                    .init(service: reader, successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigint, .sigterm],
                logger: .init(label: "eip")
            )
        )
        try await group.run()
    }
}

/// Reads and prints deliveries until the count, the idle timeout or shutdown.
private struct Reader: Service {
    let transport: KafkaTransport
    let topic: String
    let group: String
    let options: SubscriptionOptions
    let count: Int?
    let idleTimeout: Duration?

    func run() async throws {
        let deliveries = try await transport.subscribe(to: topic, group: group, options: options)
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                let activity = Activity()
                tasks.addTask {
                    var read = 0
                    for try await delivery in deliveries {
                        emit(describe(delivery))
                        try delivery.acknowledge()
                        read += 1
                        activity.touch()
                        if let count, read >= count { break }
                    }
                }
                if let idleTimeout {
                    tasks.addTask {
                        while !(await activity.idle(for: idleTimeout)) {}
                    }
                }
                try await tasks.next()
                tasks.cancelAll()
            }
        } onGracefulShutdown: {
            Task { await deliveries.close() }
        }
        await deliveries.close()
    }
}

/// When the last message arrived, to stop after a quiet period.
private final class Activity: Sendable {
    private let last = Mutex(ContinuousClock.now)

    func touch() {
        last.withLock { $0 = .now }
    }

    /// Sleeps until `quiet` after the last message; true when nothing arrived meanwhile.
    func idle(for quiet: Duration) async -> Bool {
        let deadline = last.withLock { $0 }.advanced(by: quiet)
        try? await Task.sleep(until: deadline, clock: .continuous)
        return Task.isCancelled || last.withLock { $0 }.advanced(by: quiet) <= .now
    }
}

/// A delivery as one JSON line: where it came from, its attributes and headers, and its payload
/// (as JSON when it is JSON, else as text, else base64).
func describe(_ delivery: Delivery) -> String {
    let message = delivery.message
    var line: [String: Any] = [
        "topic": delivery.topic,
        "partition": delivery.partition,
        "offset": delivery.offset,
        "id": message.id,
        "source": message.source,
        "type": message.type,
        "key": message.key as Any,
        "time": message.time.map { $0.formatted(.iso8601) } as Any,
        "headers": message.headers,
    ]
    addPayload(message.payload, to: &line)
    return jsonLine(line)
}

/// Adds `payload` to a JSON line: as JSON when it is JSON, else as text under `payload`, else
/// base64 under `payload_base64`.
func addPayload(_ payload: Data, to line: inout [String: Any]) {
    if let json = try? JSONSerialization.jsonObject(with: payload, options: [.fragmentsAllowed]) {
        line["payload"] = json
    } else if let text = String(data: payload, encoding: .utf8) {
        line["payload"] = text
    } else {
        line["payload_base64"] = payload.base64EncodedString()
    }
}
