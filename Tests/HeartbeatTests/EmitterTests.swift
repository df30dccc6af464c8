import Clocks
import Foundation
import Heartbeat
import MessageBus
import MessageBusTesting
import Messaging
import Synchronization
import Testing

@Suite("Emitting heartbeats")
struct EmitterTests {
    @Test func anEmitterBeatsEveryIntervalAndSaysWhenItStops() async throws {
        let harness = BusHarness()
        let clock = TestClock()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let emitter = try HeartbeatEmitter(
            bus: harness.bus,
            service: "orders-query",
            instanceID: "query-1",
            host: "host-a",
            interval: .seconds(10),
            checks: [HealthCheck(name: "database") { .pass(2, unit: "ms") }],
            startTime: start,
            clock: clock
        )
        try await withRunningServices([harness.transport, harness.bus, emitter], logger: harness.bus.logger) {
            try await harness.waitUntil("the first beat is published") {
                harness.published(to: "heartbeats").count == 1
            }
            await clock.advance(by: .seconds(9))
            #expect(harness.published(to: "heartbeats").count == 1)
            await clock.advance(by: .seconds(1))
            try await harness.waitUntil("the second beat is published") {
                harness.published(to: "heartbeats").count == 2
            }
        }
        let beats = try harness.published(to: "heartbeats").map { try $0.decode(Beat.self) }
        #expect(beats.map(\.sequence) == [1, 2, 3])
        #expect(beats.map(\.status) == [.running, .running, .stopping])
        let first = try #require(beats.first)
        #expect(first.service == "orders-query")
        #expect(first.instanceID == "query-1")
        #expect(first.host == "host-a")
        #expect(first.startTime == start)
        #expect(first.interval == .seconds(10))
        #expect(first.checks.map(\.name) == ["database"])
        #expect(first.checks.first?.observedValue == 2)
        let message = try #require(harness.published(to: "heartbeats").first)
        #expect(message.type == "heartbeat.beat")
        #expect(message.key == "orders-query/query-1")
    }

    @Test func aCancelledEmitterSendsNoStoppingBeat() async throws {
        let harness = BusHarness()
        let emitter = try HeartbeatEmitter(bus: harness.bus, service: "orders", instanceID: "1", clock: TestClock())
        try await harness.run {
            try await withThrowingTaskGroup { group in
                group.addTask { try await emitter.run() }
                try await harness.waitUntil("the first beat is published") {
                    harness.published(to: "heartbeats").count == 1
                }
                group.cancelAll()
                try await group.waitForAll()
            }
        }
        let beats = try harness.published(to: "heartbeats").map { try $0.decode(Beat.self) }
        #expect(beats.map(\.status) == [.running])
    }

    @Test func aBeatThatCannotBePublishedIsSkippedAndTheNextOneGoesOut() async throws {
        let harness = BusHarness(outgoing: [FailFirst()])
        let clock = TestClock()
        let emitter = try HeartbeatEmitter(bus: harness.bus, service: "orders", instanceID: "1", clock: clock)
        try await harness.run {
            try await withThrowingTaskGroup { group in
                group.addTask { try await emitter.run() }
                var steps = 0
                while harness.published(to: "heartbeats").isEmpty, steps < 1_000 {
                    await clock.advance(by: .seconds(1))
                    steps += 1
                }
                group.cancelAll()
                try await group.waitForAll()
            }
        }
        let beats = try harness.published(to: "heartbeats").map { try $0.decode(Beat.self) }
        #expect(beats.first?.sequence == 2)
    }

    @Test func aCheckThatDoesNotAnswerInTimeFailsAndTheBeatStillGoesOut() async throws {
        let harness = BusHarness()
        let clock = TestClock()
        let hanging = HealthCheck(name: "database") {
            try await Task.sleep(for: .seconds(3600))
            return .pass()
        }
        let quick = HealthCheck(name: "publish", kind: .liveness) { .pass() }
        let emitter = try HeartbeatEmitter(
            bus: harness.bus,
            service: "orders",
            instanceID: "1",
            checks: [hanging, quick],
            checkTimeout: .seconds(5),
            clock: clock
        )
        try await harness.run {
            try await withThrowingTaskGroup { group in
                group.addTask { try await emitter.run() }
                var steps = 0
                while harness.published(to: "heartbeats").isEmpty, steps < 1_000 {
                    await clock.advance(by: .seconds(1))
                    steps += 1
                }
                group.cancelAll()
                try await group.waitForAll()
            }
        }
        let beat = try #require(try harness.published(to: "heartbeats").first?.decode(Beat.self))
        #expect(beat.checks.map(\.name) == ["database", "publish"])
        #expect(beat.checks.map(\.status) == [.fail, .pass])
        #expect(beat.checks.first?.output == "No answer within 5.0 seconds.")
    }

    @Test func aMonitorSeesTheEmitterAliveWithItsChecks() async throws {
        let harness = BusHarness()
        let monitor = try HeartbeatMonitor(bus: harness.bus, clock: TestClock())
        let emitter = try HeartbeatEmitter(
            bus: harness.bus,
            service: "orders-query",
            instanceID: "query-1",
            checks: [.publishing(through: harness.bus)],
            clock: TestClock()
        )
        try await harness.run {
            try await withThrowingTaskGroup { group in
                group.addTask { try await emitter.run() }
                try await harness.waitUntil("the monitor knows the instance") {
                    monitor.instance("query-1", of: "orders-query") != nil
                }
                group.cancelAll()
                try await group.waitForAll()
            }
        }
        let instance = try #require(monitor.instance("query-1", of: "orders-query"))
        #expect(instance.state == .alive)
        #expect(instance.checks.map(\.name) == ["publish"])
        #expect(instance.checks.first?.status == .pass)
        #expect(instance.checks.first?.kind == .liveness)
        #expect(harness.published(to: "heartbeats.probe").count >= 1)
    }

    @Test func aCheckThatThrowsFailsWithTheErrorAsOutput() async {
        struct Locked: Error, CustomStringConvertible {
            var description: String { "database is locked" }
        }
        let result = await HealthCheck(name: "database", kind: .readiness) { throw Locked() }.run()
        #expect(result.status == .fail)
        #expect(result.output == "database is locked")
        #expect(result.kind == .readiness)
    }

    @Test func aThresholdCheckPassesWarnsAndFails() async {
        func status(of value: Double?) async -> HealthStatus {
            await HealthCheck.threshold(name: "failures", unit: "percent", warnAbove: 1, failAbove: 5) { value }.run()
                .status
        }
        #expect(await status(of: 0.5) == .pass)
        #expect(await status(of: 2) == .warn)
        #expect(await status(of: 7) == .fail)
        #expect(await status(of: nil) == .warn)
    }

    @Test func consumerLagIsReadFromTheTransport() async throws {
        let harness = BusHarness()
        try await harness.transport.publish([Message(), Message(), Message()], to: "orders")
        let check = HealthCheck.consumerLag(
            of: "billing",
            on: "orders",
            transport: harness.transport,
            warnAbove: 1,
            failAbove: 10
        )
        let result = await check.run()
        #expect(result.name == "lag:billing")
        #expect(result.observedUnit == "messages")
        #expect(result.status == .warn || result.observedValue == nil)
    }

    @Test func invalidSettingsAreRefused() {
        let harness = BusHarness()
        let noInterval = #expect(throws: HeartbeatError.self) {
            try HeartbeatEmitter(bus: harness.bus, service: "orders", instanceID: "1", interval: .zero)
        }
        #expect(noInterval?.code == .invalidConfiguration)
        #expect(throws: HeartbeatError.self) {
            try HeartbeatEmitter(bus: harness.bus, service: "", instanceID: "1")
        }
        let twice = #expect(throws: HeartbeatError.self) {
            try HeartbeatEmitter(
                bus: harness.bus,
                service: "orders",
                instanceID: "1",
                checks: [HealthCheck(name: "db") { .pass() }, HealthCheck(name: "db") { .pass() }]
            )
        }
        #expect(twice?.reason.contains("'db'") == true)
        #expect(throws: HeartbeatError.self) {
            try HeartbeatEmitter(bus: harness.bus, service: "orders", instanceID: "1", checkTimeout: .seconds(11))
        }
    }
}

/// An outgoing link that refuses the first batch it is given, as a transport that is briefly down.
private final class FailFirst: OutgoingMiddleware {
    private let failed = Mutex(false)

    nonisolated(nonsending) func publish(
        _ messages: [Message],
        to topic: String,
        context: OutgoingContext,
        next: NextPublisher
    ) async throws -> [Message] {
        let first = failed.withLock { failed in
            defer { failed = true }
            return !failed
        }
        if first {
            throw MessagingError(.transportFailure, "The transport is down.", isRetriable: true)
        }
        return try await next(messages, topic, context)
    }
}
