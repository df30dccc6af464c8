import Foundation
import KafkaTransport
import Messaging
import Synchronization
import Testing

/// Configuration for tests: group timeouts long enough for a loaded machine, commits every 200 ms,
/// librdkafka silent.
func testConfiguration(_ bootstrapServers: String) -> KafkaConfiguration {
    var configuration = KafkaConfiguration(bootstrapServers: [bootstrapServers])
    configuration.consumer.sessionTimeout = .seconds(10)
    configuration.consumer.heartbeatInterval = .seconds(1)
    configuration.consumer.commitInterval = .milliseconds(200)
    configuration.consumer.joinTimeout = .seconds(60)
    configuration.producer.linger = .milliseconds(1)
    configuration.maximumMessageBytes = 2 * 1024 * 1024
    // The tests' clients often outlive their mock clusters, and the refused connections that
    // follow are no news; LibrdkafkaLoggingTests shows librdkafka's lines reach the logger.
    configuration.additionalProperties["log_level"] = "0"
    return configuration
}

/// What a group of members received: each id with how many times it arrived, and how far each
/// partition got.
final class Received: Sendable {
    private struct State {
        var counts: [String: Int] = [:]
        /// Per partition: how many deliveries arrived and the newest offset among them.
        var partitions: [Int: (deliveries: Int, newest: Int64)] = [:]
        /// Why ``consume(_:from:into:timeout:)`` stopped short, if it did.
        var stopReason: String?
    }

    private let state = Mutex(State())

    /// Records a delivery; returns how many distinct ids have arrived.
    func record(_ delivery: Delivery) -> Int {
        state.withLock { state in
            state.counts[delivery.message.id, default: 0] += 1
            let partition = state.partitions[delivery.partition] ?? (0, -1)
            state.partitions[delivery.partition] = (partition.deliveries + 1, max(partition.newest, delivery.offset))
            return state.counts.count
        }
    }

    /// Records why consuming stopped before every message arrived.
    func stoppedShort(_ reason: String) {
        state.withLock { $0.stopReason = reason }
    }

    var distinct: Set<String> { Set(state.withLock { $0.counts.keys }) }
    var duplicates: Int { state.withLock { $0.counts.values.reduce(0) { $0 + $1 - 1 } } }
    var duplicatedIDs: Set<String> { Set(state.withLock { $0.counts.filter { $0.value > 1 }.keys }) }

    /// How what arrived differs from `messages`: how many never arrived, the first of them and
    /// their keys, how far each partition got, and how many ids arrived that are not among
    /// `messages`; `nil` when exactly their ids arrived. An expectation that it is `nil` prints
    /// just that, not two sets of thousands of ids.
    func mismatch(with messages: [Message]) -> String? {
        let state = state.withLock { $0 }
        let missing = messages.filter { state.counts[$0.id] == nil }
        let sent = Set(messages.map(\.id))
        let unexpected = state.counts.keys.filter { !sent.contains($0) }.sorted()
        guard !missing.isEmpty || !unexpected.isEmpty else { return nil }
        let keys = Set(missing.compactMap(\.key)).sorted()
        let partitions = state.partitions.keys.sorted().map { partition in
            let progress = state.partitions[partition]!
            return "\(partition): \(progress.deliveries) up to offset \(progress.newest)"
        }
        return """
            \(missing.count) of \(messages.count) messages never arrived, first \(missing.prefix(5).map(\.id)), \
            with keys \(keys.prefix(16)); \(unexpected.count) ids arrived that were not sent, first \
            \(unexpected.prefix(5)); deliveries by partition: \(partitions.joined(separator: ", ")); \
            consuming stopped: \(state.stopReason ?? "on the caller's condition")
            """
    }
}

/// Acknowledges deliveries on every member until `expected` distinct ids arrived; returns early
/// when the deadline passes or every member's sequence ended, leaving the caller's count short.
func consume(
    _ expected: Int,
    from members: [KafkaDeliveries],
    into received: Received,
    timeout: Duration = .seconds(120)
) async throws {
    enum Outcome {
        case complete
        case memberEnded
        case deadline
    }
    try await withThrowingTaskGroup(of: Outcome.self) { group in
        for deliveries in members {
            group.addTask {
                for try await delivery in deliveries {
                    try delivery.acknowledge()
                    if received.record(delivery) >= expected { return .complete }
                }
                return .memberEnded
            }
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            return .deadline
        }
        var ended = 0
        while let outcome = try await group.next() {
            if outcome == .complete { break }
            if outcome == .deadline {
                received.stoppedShort("the deadline of \(timeout) passed")
                break
            }
            ended += 1
            if ended == members.count {
                received.stoppedShort("every member's sequence ended")
                break
            }
        }
        group.cancelAll()
    }
}

/// `count` messages with distinct ids over `keys` keys.
func numberedMessages(_ count: Int, prefix: String, keys: Int = 64) -> [Message] {
    (0..<count).map { index in
        Message(
            id: "\(prefix)-\(index)",
            type: "test.numbered",
            key: "key-\(index % keys)",
            payload: Data("\(index)".utf8)
        )
    }
}

/// Waits until `condition` holds, failing the test if it does not within 60 seconds.
func waitUntil(
    _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async -> Bool
) async throws {
    guard try await Messaging.waitUntil(timeout: .seconds(60), condition) else {
        Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
        throw CancellationError()
    }
}
