import Foundation
import InMemoryTransport
import Messaging
import Synchronization

/// The in-memory transport beside Swift's `AsyncStream`.
enum InMemoryScenarios {
    /// `count` messages with 100-byte payloads, made before any clock starts.
    static func messages(_ count: Int) -> [Message] {
        let payload = Data(repeating: UInt8(ascii: "x"), count: Scale.payloadBytes)
        return (0..<count).map { _ in Message(payload: payload) }
    }

    /// Messages per second through an `AsyncStream` from one task to another.
    static func asyncStreamRate(_ messages: [Message]) async -> Double {
        let (stream, continuation) = AsyncStream.makeStream(of: Message.self)
        let clock = ContinuousClock()
        let start = clock.now
        let consumer = Task {
            var bytes = 0
            for await message in stream {
                bytes &+= message.payload.count
            }
            return bytes
        }
        for message in messages {
            continuation.yield(message)
        }
        continuation.finish()
        _ = await consumer.value
        return Double(messages.count) / seconds(clock.now - start)
    }

    /// Publish → handler → acknowledge, `publishers` tasks publishing batches of 100 and
    /// `members` members in each of `groups` groups; messages per second, published and handled
    /// by every group.
    static func transportRate(_ messages: [Message], publishers: Int, members: Int, groups: Int) async throws -> Double
    {
        let transport = InMemoryTransport()
        var subscriptions: [(group: Int, deliveries: InMemoryDeliveries)] = []
        for group in 0..<groups {
            for _ in 0..<members {
                let deliveries = try await transport.subscribe(
                    to: "bench",
                    group: "group-\(group)",
                    options: SubscriptionOptions(startPosition: .earliest, prefetch: 1024)
                )
                subscriptions.append((group, deliveries))
            }
        }
        let handled = (0..<groups).map { _ in Tally() }
        let finished = Countdown(groups)
        let total = messages.count
        let share = (total + publishers - 1) / publishers
        let batches = (0..<publishers).map { publisher in
            stride(from: min(publisher * share, total), to: min((publisher + 1) * share, total), by: 100).map {
                Array(messages[$0..<min($0 + 100, (publisher + 1) * share, total)])
            }
        }
        let clock = ContinuousClock()
        let start = clock.now
        let elapsed = try await withThrowingTaskGroup(of: Void.self) { tasks in
            for (group, deliveries) in subscriptions {
                tasks.addTask {
                    var bytes = 0
                    for try await delivery in deliveries {
                        bytes &+= delivery.message.payload.count
                        try delivery.acknowledge()
                        if handled[group].increment() == total {
                            finished.decrement()
                        }
                    }
                }
            }
            for batches in batches {
                tasks.addTask {
                    for batch in batches {
                        try await transport.publish(batch, to: "bench")
                    }
                }
            }
            await finished.wait()
            let elapsed = clock.now - start
            for (_, deliveries) in subscriptions {
                await deliveries.close()
            }
            try await tasks.waitForAll()
            return elapsed
        }
        await transport.shutdown()
        return Double(total) / seconds(elapsed)
    }

    static func endToEnd(name: String, publishers: Int, members: Int, groups: Int, target: Double? = nil) -> Scenario {
        Scenario(name: name) { scale in
            let messages = messages(scale.messages)
            let (project, baseline) = try await Scenario.alternate(rounds: scale.rounds) {
                await asyncStreamRate(messages)
            } project: {
                try await transportRate(messages, publishers: publishers, members: members, groups: groups)
            }
            return .throughput(name, project: project, baseline: baseline, target: target)
        }
    }

    /// Publish-to-handler latency at a steady 100 000 messages per second, beside the same
    /// messages sent through an `AsyncStream` at the same rate; the medians over the rounds.
    static let latency = Scenario(name: "inmemory-latency-p99-us") { scale in
        let count = Int(latencyRate * scale.latencySeconds)
        let (project, baseline) = try await Scenario.alternateRuns(rounds: scale.rounds) {
            try await asyncStreamLatency(count: count)
        } project: {
            try await transportLatency(count: count)
        }
        let p99 = median(project.map(\.p99))
        return ScenarioResult(
            scenario: "inmemory-latency-p99-us",
            project: p99,
            baseline: median(baseline.map(\.p99)),
            unit: "µs",
            better: .lower,
            ratio: p99,
            target: "≤ 100",
            meetsTarget: p99 <= 100,
            p50: median(project.map(\.p50)),
            p99: p99,
            peakResidentBytes: ResidentMemory.peak
        )
    }

    /// Messages per second of the latency scenario: one every 10 µs.
    static let latencyRate = 100_000.0

    /// The 50th and 99th percentiles of a latency run, in microseconds.
    struct Percentiles {
        var p50: Double
        var p99: Double
    }

    static func transportLatency(count: Int) async throws -> Percentiles {
        let transport = InMemoryTransport()
        let deliveries = try await transport.subscribe(
            to: "latency",
            group: "latency",
            options: SubscriptionOptions(startPosition: .earliest)
        )
        let percentiles = try await latency(count: count, received: deliveries) { delivery in
            try delivery.acknowledge()
            return delivery.message
        } send: { message in
            try await transport.publish(message, to: "latency")
        }
        await deliveries.close()
        await transport.shutdown()
        return percentiles
    }

    static func asyncStreamLatency(count: Int) async throws -> Percentiles {
        let (stream, continuation) = AsyncStream.makeStream(of: Message.self)
        defer { continuation.finish() }
        return try await latency(count: count, received: stream) {
            $0
        } send: { message in
            continuation.yield(message)
        }
    }

    /// Sends `count` messages, one every 10 µs from a task that waits for each one's time by
    /// reading the clock, each carrying the time it was sent; a second task takes them from
    /// `received` and measures how long each took.
    static func latency<Received: AsyncSequence & Sendable>(
        count: Int,
        received: Received,
        take: @escaping @Sendable (Received.Element) throws -> Message,
        send: @escaping @Sendable (Message) async throws -> Void
    ) async throws -> Percentiles {
        let clock = ContinuousClock()
        let origin = clock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { tasks in
            tasks.addTask {
                var latencies: [Double] = []
                latencies.reserveCapacity(count)
                for try await element in received {
                    let received = clock.now
                    let message = try take(element)
                    let sent = message.payload.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }
                    latencies.append(seconds(received - origin) * 1e6 - Double(sent) / 1e3)
                    if latencies.count == count { break }
                }
                return latencies
            }
            tasks.addTask {
                var payload = Data(repeating: UInt8(ascii: "x"), count: Scale.payloadBytes)
                for index in 0..<count {
                    let due = origin.advanced(by: .nanoseconds(Int64(Double(index) / latencyRate * 1e9)))
                    while clock.now < due {}
                    let nanoseconds = Int64(seconds(clock.now - origin) * 1e9)
                    payload.withUnsafeMutableBytes { $0.storeBytes(of: nanoseconds, as: Int64.self) }
                    try await send(Message(id: String(index), payload: payload))
                }
                return []
            }
            var all: [Double] = []
            for try await part in tasks { all += part }
            return all.sorted()
        }
        return Percentiles(
            p50: latencies[latencies.count / 2],
            p99: latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
        )
    }

    /// Resident memory per retained 100-byte message.
    static let bytesPerMessage = Scenario(name: "inmemory-bytes-per-message") { scale in
        let transport = InMemoryTransport()
        let before = ResidentMemory.current
        var index = 0
        while index < scale.retainedMessages {
            let end = min(index + 1000, scale.retainedMessages)
            let batch = (index..<end).map { _ in
                Message(payload: Data(repeating: UInt8(ascii: "x"), count: Scale.payloadBytes))
            }
            try await transport.publish(batch, to: "retained")
            index = end
        }
        let perMessage = Double(ResidentMemory.current - before) / Double(scale.retainedMessages)
        await transport.shutdown()
        return ScenarioResult(
            scenario: "inmemory-bytes-per-message",
            project: perMessage,
            baseline: nil,
            unit: "bytes",
            better: .lower,
            ratio: perMessage,
            target: "≤ 300",
            meetsTarget: perMessage <= 300,
            peakResidentBytes: ResidentMemory.peak
        )
    }
}

/// A count shared between tasks.
final class Tally: Sendable {
    private let value = Atomic<Int>(0)

    /// Adds one and returns the new count.
    func increment() -> Int {
        value.add(1, ordering: .relaxed).newValue
    }
}

/// Wakes one waiter when it has been decremented to zero.
final class Countdown: Sendable {
    private let state: Mutex<(remaining: Int, waiter: CheckedContinuation<Void, Never>?)>

    init(_ count: Int) {
        state = Mutex((count, nil))
    }

    func decrement() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.remaining -= 1
            guard state.remaining == 0 else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                guard state.remaining > 0 else { return true }
                state.waiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }
}
