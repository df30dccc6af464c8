import ArgumentParser
import Foundation
import KafkaTransport
import MessageSecurity
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

            A sealed message (MessageSecurity) shows its seal under "seal". With --keys its seal is \
            checked and an encrypted payload decrypted for inspection; without, or when the check \
            fails (the reason is under "seal"), an encrypted payload shows as ciphertext in \
            payload_base64.
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

    @Option(
        help: ArgumentHelp(
            "A key file to open sealed messages with; `eip keys generate` writes one.",
            valueName: "file"
        )
    )
    var keys: String?

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
        var sealer: MessageSealer?
        if let keys {
            do {
                sealer = MessageSealer(keys: try KeyRing.load(file: keys))
            } catch {
                throw EIPError("--keys: \(error.reason)")
            }
        }
        let transport = try connection.transport()
        try await connection.requireTopic(topic, on: transport)
        let reader = Reader(
            transport: transport,
            topic: topic,
            group: group ?? "eip-consume-\(UUID().uuidString.prefix(8).lowercased())",
            options: SubscriptionOptions(startPosition: fromBeginning ? .earliest : .latest),
            count: count,
            idleTimeout: idleTimeout.map { .milliseconds(Int($0 * 1000)) },
            sealer: sealer
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
    /// Opens sealed messages; `nil` shows them as they are.
    let sealer: MessageSealer?

    func run() async throws {
        let deliveries = try await transport.subscribe(to: topic, group: group, options: options)
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                let activity = Activity()
                tasks.addTask {
                    var read = 0
                    for try await delivery in deliveries {
                        emit(describe(delivery, opening: sealer))
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

/// A delivery as one JSON line: where it came from, its attributes and headers, its seal if it
/// has one, and its payload (as JSON when it is JSON, else as text, else base64).
///
/// A sealed message is opened with `sealer` if there is one: its payload then shows decrypted
/// and its seal as `"opened": true`. An encrypted payload that was not opened — no `sealer`, or
/// a seal that does not check out, whose reason the seal shows — shows as ciphertext, in base64.
func describe(_ delivery: Delivery, opening sealer: MessageSealer? = nil) -> String {
    var message = delivery.message
    var seal: [String: Any]?
    var showsCiphertext = false
    if MessageSealer.isSealed(message) {
        let algorithm = message.extensions[SealAttribute.algorithm] ?? ""
        var described: [String: Any] = [
            "algorithm": algorithm,
            "key_id": message.extensions[SealAttribute.keyID] as Any,
            "opened": false,
        ]
        do throws(SecurityError) {
            if let sealer {
                message = try sealer.open(message).message
                described["opened"] = true
            }
        } catch {
            described["error"] = error.codeName
            described["reason"] = error.reason
        }
        showsCiphertext = described["opened"] as? Bool != true && SealAlgorithm(rawValue: algorithm)?.encrypts != false
        seal = described
    }
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
    if let seal {
        line["seal"] = seal
    }
    if showsCiphertext {
        line["payload_base64"] = message.payload.base64EncodedString()
    } else {
        addPayload(message.payload, to: &line)
    }
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
