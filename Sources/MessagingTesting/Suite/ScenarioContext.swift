import Messaging
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The state of one running scenario: its topic, its transports, and the helpers scenarios share.
final class ScenarioContext<Transport: MessageTransport>: Sendable {
    let scenario: ConformanceScenario
    let topic: String
    let timeout: Duration
    let first: Transport
    private let makeTransport: @Sendable () async throws -> Transport
    private let transports: Mutex<[Transport]>

    init(
        scenario: ConformanceScenario,
        topic: String,
        timeout: Duration,
        first: Transport,
        makeTransport: @escaping @Sendable () async throws -> Transport
    ) {
        self.scenario = scenario
        self.topic = topic
        self.timeout = timeout
        self.first = first
        self.makeTransport = makeTransport
        self.transports = Mutex([first])
    }

    // MARK: - Transports

    /// A new client on the shared backend, shut down when the scenario ends.
    func newTransport() async throws -> Transport {
        let transport = try await makeTransport()
        transports.withLock { $0.append(transport) }
        return transport
    }

    /// Shuts every transport down, each within the scenario's timeout.
    func shutDownAll() async {
        for transport in transports.withLock({ $0 }) {
            _ = try? await withDeadline("shutdown") {
                await transport.shutdown()
                return true
            }
        }
    }

    func subscribe(
        _ transport: Transport,
        group: String,
        from start: SubscriptionOptions.StartPosition = .latest
    ) async throws -> Transport.Deliveries {
        try await transport.subscribe(to: topic, group: group, options: SubscriptionOptions(startPosition: start))
    }

    // MARK: - Messages

    /// `count` messages whose payload and `seq` header number them, from `first` on.
    func messages(_ count: Int, key: String? = nil, label: String = "m", first: Int = 0) -> [Message] {
        (first..<(first + count)).map { index in
            Message(
                type: "conformance.\(label)",
                key: key,
                headers: ["seq": String(index)],
                payload: Data("\(label)-\(index)".utf8)
            )
        }
    }

    /// Publishes `messages` in batches of `batchSize`, in order.
    func publish(_ messages: [Message], on transport: Transport, batchSize: Int = 25) async throws {
        var start = 0
        while start < messages.count {
            let end = min(start + batchSize, messages.count)
            try await transport.publish(Array(messages[start..<end]), to: topic)
            start = end
        }
    }

    // MARK: - Receiving

    enum Settle {
        case acknowledge
        case leaveUnsettled
    }

    /// Receives exactly `count` deliveries within the timeout.
    func receive(
        _ count: Int,
        from deliveries: Transport.Deliveries,
        settle: Settle = .acknowledge,
        file: String = #fileID,
        line: Int = #line
    ) async throws -> [Delivery] {
        guard count > 0 else { return [] }
        let received = try await withDeadline("\(count) deliveries", file: file, line: line) {
            var received: [Delivery] = []
            for try await delivery in deliveries {
                if settle == .acknowledge {
                    try delivery.acknowledge()
                }
                received.append(delivery)
                if received.count == count { break }
            }
            return received
        }
        try expect(
            received.count == count,
            "the subscription ended after \(received.count) of \(count) expected deliveries",
            file: file,
            line: line
        )
        return received
    }

    /// Publishes a sentinel with `key` and receives up to it; fails if anything came before it.
    ///
    /// With every earlier message on the same key, they share a partition and would have been
    /// delivered before the sentinel: this proves nothing else is pending for the group.
    func expectNothingMore(
        from deliveries: Transport.Deliveries,
        key: String,
        file: String = #fileID,
        line: Int = #line
    ) async throws {
        let sentinel = Message(type: "conformance.sentinel", key: key, payload: Data("sentinel".utf8))
        try await first.publish(sentinel, to: topic)
        let extras = try await withDeadline("the sentinel message", file: file, line: line) {
            var extras: [Delivery] = []
            for try await delivery in deliveries {
                try delivery.acknowledge()
                if delivery.message.id == sentinel.id { return extras }
                extras.append(delivery)
            }
            return extras
        }
        try expect(
            extras.isEmpty,
            "expected nothing more, but received \(describe(extras))",
            file: file,
            line: line
        )
    }

    // MARK: - Expectations

    func failure(_ reason: String, file: String = #fileID, line: Int = #line) -> ConformanceFailure {
        ConformanceFailure(scenario: scenario, reason: reason, file: file, line: line)
    }

    func expect(_ condition: Bool, _ reason: @autoclosure () -> String, file: String = #fileID, line: Int = #line)
        throws
    {
        if !condition {
            throw failure(reason(), file: file, line: line)
        }
    }

    /// Expects `body` to throw a `MessagingError` with `code`.
    func expectError(
        _ code: MessagingError.Code,
        _ what: String,
        file: String = #fileID,
        line: Int = #line,
        _ body: () async throws -> Void
    ) async throws {
        do {
            try await body()
        } catch let error as MessagingError {
            try expect(
                error.code == code,
                "\(what) failed with \(error.code), expected \(code): \(error.reason)",
                file: file,
                line: line
            )
            try expect(!error.reason.isEmpty, "\(what) failed without a reason", file: file, line: line)
            return
        } catch {
            throw failure("\(what) threw \(error), expected MessagingError.\(code)", file: file, line: line)
        }
        throw failure("\(what) succeeded; expected MessagingError.\(code)", file: file, line: line)
    }

    func expectSameIDs(
        _ received: [Delivery],
        _ sent: [Message],
        ordered: Bool = false,
        file: String = #fileID,
        line: Int = #line
    ) throws {
        let got = received.map(\.message.id)
        let want = sent.map(\.id)
        if ordered {
            try expect(
                got == want,
                "received \(describe(received)) in this order; expected \(want.count) messages in publish order",
                file: file,
                line: line
            )
        } else {
            try expect(
                got.count == want.count && Set(got) == Set(want),
                "received \(describe(received)); expected the \(want.count) published messages exactly once each",
                file: file,
                line: line
            )
        }
    }

    func describe(_ deliveries: [Delivery]) -> String {
        let labels = deliveries.prefix(8).map { String(decoding: $0.message.payload.prefix(32), as: UTF8.self) }
        return "\(deliveries.count) deliveries [\(labels.joined(separator: ", "))\(deliveries.count > 8 ? ", …" : "")]"
    }

    // MARK: - Deadlines

    /// Runs `body`, failing if it takes longer than the scenario's timeout.
    func withDeadline<Result: Sendable>(
        _ what: String,
        file: String = #fileID,
        line: Int = #line,
        _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        let timeout = timeout
        guard let result = try await Messaging.withDeadline({ try await Task.sleep(for: timeout) }, body) else {
            throw failure("timed out after \(timeout) waiting for \(what)", file: file, line: line)
        }
        return result
    }
}

/// Counts deliveries across concurrent members: who got what, and what came twice.
final class Tally: Sendable {
    private struct State {
        var seen: [String: Int] = [:]
        var perMember: [Int: Int] = [:]
        var duplicates: [String] = []
    }

    private let state = Mutex(State())
    let expected: Int

    init(expected: Int) {
        self.expected = expected
    }

    /// Records a delivery; returns `true` once every expected message has been seen.
    func record(_ id: String, member: Int) -> Bool {
        state.withLock { state in
            state.perMember[member, default: 0] += 1
            if state.seen[id, default: 0] > 0 {
                state.duplicates.append(id)
            }
            state.seen[id, default: 0] += 1
            return state.seen.count >= expected
        }
    }

    var uniqueCount: Int { state.withLock { $0.seen.count } }
    var duplicates: [String] { state.withLock { $0.duplicates } }
    var membersThatReceived: Int { state.withLock { $0.perMember.values.filter { $0 > 0 }.count } }
    func contains(_ id: String) -> Bool { state.withLock { $0.seen[id] != nil } }
}

/// A value shared between concurrent tasks of a scenario.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }

    func withLock<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { body(&$0) }
    }
}
