import Foundation
import KafkaTransport
import Messaging
import Synchronization
import Testing

/// Configuration for tests: group timeouts long enough for a loaded machine, commits every 200 ms.
func testConfiguration(_ bootstrapServers: String) -> KafkaConfiguration {
    var configuration = KafkaConfiguration(bootstrapServers: [bootstrapServers])
    configuration.consumer.sessionTimeout = .seconds(10)
    configuration.consumer.heartbeatInterval = .seconds(1)
    configuration.consumer.commitInterval = .milliseconds(200)
    configuration.consumer.joinTimeout = .seconds(30)
    configuration.producer.linger = .milliseconds(1)
    configuration.maximumMessageBytes = 2 * 1024 * 1024
    configuration.additionalProperties["log_level"] = "3"
    return configuration
}

/// What a group of members received: each id with how many times it arrived.
final class Received: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    /// Records a delivery; returns how many distinct ids have arrived.
    func record(_ id: String) -> Int {
        counts.withLock { counts in
            counts[id, default: 0] += 1
            return counts.count
        }
    }

    var distinct: Set<String> { Set(counts.withLock { $0.keys }) }
    var duplicates: Int { counts.withLock { $0.values.reduce(0) { $0 + $1 - 1 } } }
    var duplicatedIDs: Set<String> { Set(counts.withLock { $0.filter { $0.value > 1 }.keys }) }
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
                    if received.record(delivery.message.id) >= expected { return .complete }
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
            if outcome == .complete || outcome == .deadline { break }
            ended += 1
            if ended == members.count { break }
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
    _ condition: () -> Bool
) async throws {
    let deadline = ContinuousClock.now.advanced(by: .seconds(60))
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out waiting until \(what)", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        await Task.yield()
    }
}
