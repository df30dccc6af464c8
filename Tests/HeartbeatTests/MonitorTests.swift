import Clocks
import Foundation
import Heartbeat
import MessageBus
import MessageBusTesting
import Messaging
import Metrics
import MetricsTestKit
import Testing

@Suite("Monitoring heartbeats")
struct MonitorTests {
    @Test func anInstanceSilentPastTheGracePeriodIsDeadOnceAndRestoredWhenItBeatsAgain() async throws {
        let fixture = try MonitorFixture()
        try await fixture.harness.run {
            try await fixture.send(beat("query-1", sequence: 1))
            await fixture.advance(39)
            #expect(fixture.state("query-1") == .late)
            #expect(fixture.monitor.instance("query-1", of: "orders")?.isAvailable == true)
            #expect(fixture.notifications.isEmpty)

            await fixture.advance(2)
            #expect(fixture.state("query-1") == .dead)
            await fixture.advance(30)
            #expect(fixture.notifications.count == 1)
            let dead = try #require(fixture.notifications.first)
            #expect(dead.kind == .serviceDead)
            #expect(dead.reason == "heartbeatMissed")
            #expect(dead.service == "orders")
            #expect(dead.instance == "query-1")

            try await fixture.send(beat("query-1", sequence: 2))
            await fixture.advance(1)
            #expect(fixture.state("query-1") == .alive)
            #expect(fixture.notifications.map(\.kind) == [.serviceDead, .serviceRestored])
            #expect(fixture.notifications.last?.instance == "query-1")
        }
    }

    @Test func anInstanceBeatingOnTimeStaysAlive() async throws {
        let fixture = try MonitorFixture()
        try await fixture.harness.run {
            for sequence in 1...10 {
                try await fixture.send(beat("query-1", sequence: UInt64(sequence)))
                await fixture.advance(10)
                #expect(fixture.state("query-1") == .alive)
            }
            await fixture.advance(6)
            #expect(fixture.state("query-1") == .late)
        }
        #expect(fixture.notifications.isEmpty)
    }

    @Test func aGracefulStopIsStoppedWithoutAlert() async throws {
        let fixture = try MonitorFixture()
        try await fixture.harness.run {
            try await fixture.send(beat("query-1", sequence: 1), beat("query-1", sequence: 2, status: .stopping))
            await fixture.advance(100)
            #expect(fixture.state("query-1") == .stopped)
        }
        #expect(fixture.notifications.isEmpty)
    }

    @Test func aStoppedInstanceThatStartsAgainIsAliveWithoutAlert() async throws {
        let fixture = try MonitorFixture()
        try await fixture.harness.run {
            try await fixture.send(beat("query-1", sequence: 1), beat("query-1", sequence: 2, status: .stopping))
            await fixture.advance(100)
            try await fixture.send(beat("query-1", sequence: 1, startTime: firstRun.addingTimeInterval(100)))
            await fixture.advance(1)
            #expect(fixture.state("query-1") == .alive)
        }
        #expect(fixture.notifications.isEmpty)
    }

    @Test func aServiceWithAMinimumThatWasNeverSeenFailsWithoutAlert() async throws {
        let fixture = try MonitorFixture(minimumInstances: ["billing": 1])
        let report = try await fixture.harness.run {
            await fixture.advance(60)
            return await fixture.monitor.report()
        }
        #expect(report.status == .fail)
        #expect(report.httpStatus == 503)
        #expect(report.checks["billing:instances"]?.first?.output == "0 of 0 instances available, minimum 1")
        #expect(fixture.notifications.isEmpty)
    }

    @Test func lateAfterCanBeChosen() async throws {
        let harness = BusHarness()
        let clock = TestClock()
        let monitor = try HeartbeatMonitor(
            bus: harness.bus,
            interval: .seconds(10),
            grace: .seconds(40),
            lateAfter: .seconds(30),
            clock: clock
        )
        await monitor.receive(beat("query-1", sequence: 1))
        await clock.advance(by: .seconds(30))
        await monitor.evaluate()
        #expect(monitor.instance("query-1", of: "orders")?.state == .alive)
        await clock.advance(by: .seconds(1))
        await monitor.evaluate()
        #expect(monitor.instance("query-1", of: "orders")?.state == .late)
    }

    @Test func aNewMonitorDoesNotReplayTheBeatsOfBefore() async throws {
        let fixture = try MonitorFixture()
        try await fixture.harness.transport.publish(try Message(beat("gone", sequence: 1)), to: "heartbeats")
        try await fixture.harness.run {
            try await fixture.send(beat("query-1", sequence: 1))
        }
        #expect(fixture.monitor.instance("gone", of: "orders") == nil)
        #expect(fixture.monitor.instance("query-1", of: "orders")?.state == .alive)
    }

    @Test(arguments: [10, 5])
    func aGraceNotLongerThanTheIntervalIsRefusedAtStartUp(grace: Int) throws {
        let harness = BusHarness()
        let error = #expect(throws: HeartbeatError.self) {
            try HeartbeatMonitor(bus: harness.bus, interval: .seconds(10), grace: .seconds(grace))
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.reason.contains("grace period") == true)
    }

    @Test func otherInvalidSettingsAreRefused() throws {
        let harness = BusHarness()
        for make in [
            { try HeartbeatMonitor(bus: harness.bus, interval: .zero) },
            { try HeartbeatMonitor(bus: harness.bus, lateAfter: .seconds(50)) },
            { try HeartbeatMonitor(bus: harness.bus, minimumInstances: ["orders": -1]) },
            { try HeartbeatMonitor(bus: harness.bus, topic: "") },
        ] as [() throws -> HeartbeatMonitor] {
            #expect(throws: HeartbeatError.self) { _ = try make() }
        }
    }

    @Test func theSameInstanceRestartingOnAnotherHostDoesNotFlap() async throws {
        let fixture = try MonitorFixture()
        let secondRun = firstRun.addingTimeInterval(25)
        try await fixture.harness.run {
            try await fixture.send(beat("query-1", sequence: 1))
            await fixture.advance(10)
            try await fixture.send(beat("query-1", sequence: 2))
            await fixture.advance(15)
            // Redeployed on another host: a new run, its sequence from 1 again …
            try await fixture.send(beat("query-1", sequence: 1, host: "host-b", startTime: secondRun))
            await fixture.advance(5)
            // … while the old run's last beats are still arriving.
            try await fixture.send(beat("query-1", sequence: 3), beat("query-1", sequence: 4))
            await fixture.advance(5)
            try await fixture.send(beat("query-1", sequence: 2, host: "host-b", startTime: secondRun))
            await fixture.advance(10)
            try await fixture.send(beat("query-1", sequence: 3, host: "host-b", startTime: secondRun))
            await fixture.advance(10)
        }
        let instance = try #require(fixture.monitor.instance("query-1", of: "orders"))
        #expect(instance.state == .alive)
        #expect(instance.host == "host-b")
        #expect(instance.startTime == secondRun)
        #expect(instance.sequence == 3)
        #expect(instance.restarts == 1)
        #expect(fixture.monitor.services.map(\.instances.count) == [1])
        #expect(fixture.notifications.isEmpty)
    }

    @Test func aRestartAfterDeathIsRestoredOnce() async throws {
        let fixture = try MonitorFixture()
        try await fixture.harness.run {
            try await fixture.send(beat("query-1", sequence: 1))
            await fixture.advance(60)
            try await fixture.send(
                beat("query-1", sequence: 1, host: "host-b", startTime: firstRun.addingTimeInterval(60))
            )
            await fixture.advance(1)
        }
        #expect(fixture.notifications.map(\.kind) == [.serviceDead, .serviceRestored])
        #expect(fixture.monitor.instance("query-1", of: "orders")?.restarts == 1)
    }

    @Test func duplicateAndOlderSequenceNumbersAreIgnored() async throws {
        let fixture = try MonitorFixture()
        try await fixture.harness.run {
            try await fixture.send(beat("query-1", sequence: 1), beat("query-1", sequence: 3))
            await fixture.advance(30)
            // A duplicate and an older beat do not prove the instance is still there.
            try await fixture.send(beat("query-1", sequence: 3), beat("query-1", sequence: 2))
            #expect(fixture.monitor.instance("query-1", of: "orders")?.sequence == 3)
            await fixture.advance(11)
            #expect(fixture.state("query-1") == .dead)
        }
        #expect(fixture.notifications.map(\.kind) == [.serviceDead])
    }

    @Test func aServiceBelowItsMinimumFailsWithOneAlert() async throws {
        let fixture = try MonitorFixture(minimumInstances: ["orders": 2])
        try await fixture.harness.run {
            try await fixture.send(beat("a", sequence: 1), beat("b", sequence: 1), beat("c", sequence: 1))
            var report = await fixture.monitor.report()
            #expect(report.status == .pass)
            #expect(report.httpStatus == 200)

            await fixture.advance(30)
            try await fixture.send(beat("a", sequence: 2), beat("b", sequence: 2))
            await fixture.advance(15)
            #expect(fixture.state("c") == .dead)
            report = await fixture.monitor.report()
            #expect(report.status == .warn)
            #expect(report.httpStatus == 200)
            #expect(report.checks["orders:instances"]?.first?.observedValue == 2)
            #expect(fixture.notifications.map(\.instance) == ["c"])

            await fixture.advance(20)
            try await fixture.send(beat("a", sequence: 3))
            await fixture.advance(6)
            #expect(fixture.state("a") == .alive)
            #expect(fixture.state("b") == .dead)
            report = await fixture.monitor.report()
            #expect(report.status == .fail)
            #expect(report.httpStatus == 503)
            #expect(report.output == "Failing: orders.")

            await fixture.advance(1)
            _ = await fixture.monitor.report()
        }
        let alerts = fixture.notifications
        #expect(alerts.map(\.kind) == [.serviceDead, .serviceDead, .serviceDead])
        #expect(alerts.map(\.instance) == ["c", "b", nil])
        #expect(alerts.last?.reason == "belowMinimumInstances")
        #expect(alerts.last?.service == "orders")
    }

    @Test func aServiceBackAtItsMinimumIsRestored() async throws {
        let fixture = try MonitorFixture(minimumInstances: ["orders": 1])
        try await fixture.harness.run {
            try await fixture.send(beat("a", sequence: 1))
            await fixture.advance(1)
            await fixture.advance(40)
            try await fixture.send(beat("a", sequence: 2))
            await fixture.advance(1)
        }
        #expect(fixture.notifications.map(\.kind) == [.serviceDead, .serviceDead, .serviceRestored, .serviceRestored])
        #expect(
            fixture.notifications.map(\.reason) == [
                "heartbeatMissed", "belowMinimumInstances", "heartbeatResumed", "minimumInstancesRestored",
            ]
        )
    }

    @Test func aFailingCheckIsReportedAndAlertedOnceUntilItRecovers() async throws {
        let fixture = try MonitorFixture()
        let failing = CheckResult(name: "database", kind: .readiness, status: .fail, output: "database is locked")
        let passing = CheckResult(
            name: "database",
            kind: .readiness,
            status: .pass,
            observedValue: 2,
            observedUnit: "ms"
        )
        try await fixture.harness.run {
            try await fixture.send(
                beat("a", of: "billing", sequence: 1, checks: [failing]),
                beat("b", of: "billing", sequence: 1, checks: [passing])
            )
            await fixture.advance(10)
            try await fixture.send(beat("a", of: "billing", sequence: 2, checks: [failing]))
            let a = try #require(fixture.monitor.instance("a", of: "billing"))
            #expect(a.state == .alive)
            #expect(!a.isAvailable)

            let report = await fixture.monitor.report()
            #expect(report.status == .warn)
            let heartbeat = try #require(report.checks["billing:heartbeat"]?.first)
            #expect(heartbeat.componentId == "a")
            #expect(heartbeat.status == .pass)
            let database = try #require(report.checks["billing:database"])
            #expect(database.map(\.componentId) == ["a", "b"])
            #expect(database.map(\.status) == [.fail, .pass])
            #expect(database.first?.output == "database is locked")
            #expect(fixture.notifications.map(\.kind) == [.healthCheckFailed])
            #expect(fixture.notifications.first?.instance == "a")
            #expect(fixture.notifications.first?.reason == "database")

            try await fixture.send(beat("a", of: "billing", sequence: 3, checks: [passing]))
            #expect(await fixture.monitor.report().status == .pass)
        }
        #expect(fixture.notifications.map(\.kind) == [.healthCheckFailed, .healthCheckRecovered])
    }

    @Test func theReportHasTheShapeOfTheHealthCheckDraft() async throws {
        let fixture = try MonitorFixture()
        let publish = CheckResult(
            name: "publish",
            kind: .liveness,
            status: .pass,
            observedValue: 1.5,
            observedUnit: "ms"
        )
        let json = try await fixture.harness.run {
            try await fixture.send(beat("query-1", sequence: 1, checks: [publish]))
            await fixture.clock.advance(by: .seconds(3))
            return try await fixture.monitor.report().encoded()
        }
        #expect(HealthReport.contentType == "application/health+json")
        let body = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(Set(body.keys) == ["status", "time", "checks"])
        #expect(body["status"] as? String == "pass")
        #expect((body["time"] as? String).flatMap { try? Date.ISO8601FormatStyle().parse($0) } != nil)
        let checks = try #require(body["checks"] as? [String: [[String: Any]]])
        #expect(Set(checks.keys) == ["orders:instances", "orders:heartbeat", "orders:publish"])
        let heartbeat = try #require(checks["orders:heartbeat"]?.first)
        #expect(
            Set(heartbeat.keys) == [
                "componentId", "componentType", "status", "time", "observedValue", "observedUnit", "output",
            ]
        )
        #expect(heartbeat["componentId"] as? String == "query-1")
        #expect(heartbeat["componentType"] as? String == "component")
        #expect((heartbeat["observedValue"] as? NSNumber)?.doubleValue == 3)
        #expect(heartbeat["observedUnit"] as? String == "s")
        #expect(heartbeat["output"] as? String == "alive on host-a")
        #expect((checks["orders:publish"]?.first?["observedValue"] as? NSNumber)?.doubleValue == 1.5)
        #expect(checks["orders:instances"]?.first?["componentType"] as? String == "system")
        // Keys sorted, so the same state always reads the same.
        let text = try #require(String(data: json, encoding: .utf8))
        #expect(text.hasPrefix(#"{"checks":{"orders:heartbeat":[{"componentId":"query-1","componentType""#))
        let decoded = try HealthReport.decoded(from: json)
        #expect(decoded.status == .pass)
        #expect(decoded.checks["orders:heartbeat"]?.first?.output == "alive on host-a")
    }

    @Test func aDecommissionedInstanceIsForgottenWithoutAlert() async throws {
        let fixture = try MonitorFixture()
        try await fixture.harness.run {
            try await fixture.send(beat("a", sequence: 1), beat("b", sequence: 1))
            try fixture.monitor.decommission("a", of: "orders")
            await fixture.advance(60)
        }
        #expect(fixture.monitor.instance("a", of: "orders") == nil)
        #expect(fixture.notifications.map(\.instance) == ["b"])
        let error = #expect(throws: HeartbeatError.self) { try fixture.monitor.decommission("z", of: "orders") }
        #expect(error?.code == .unknownInstance)
    }

    @Test func runningTheMonitorJudgesTimeWithoutAnyBeat() async throws {
        let fixture = try MonitorFixture()
        try await fixture.harness.run {
            try await fixture.send(beat("query-1", sequence: 1))
            try await withThrowingTaskGroup { group in
                group.addTask { try await fixture.monitor.run() }
                // The monitor's loop sleeps on the test clock; move it on until it judges.
                var steps = 0
                while fixture.notifications.isEmpty, steps < 10_000 {
                    await fixture.clock.advance(by: .milliseconds(100))
                    steps += 1
                }
                group.cancelAll()
                try await group.waitForAll()
            }
        }
        #expect(fixture.notifications.map(\.kind) == [.serviceDead])
        #expect(fixture.state("query-1") == .dead)
    }

    @Test func gaugesCountInstancesPerStateAndTheTimeSinceTheLastBeat() async throws {
        let metrics = TestMetrics()
        let fixture = try MonitorFixture(metricsFactory: metrics)
        try await fixture.harness.run {
            try await fixture.send(beat("a", sequence: 1))
            await fixture.advance(20)
            try await fixture.send(beat("b", sequence: 1))
            await fixture.advance(1)
        }
        let late = try metrics.expectGauge("heartbeat_instances", [("service", "orders"), ("state", "late")])
        #expect(late.lastValue == 1)
        let alive = try metrics.expectGauge("heartbeat_instances", [("service", "orders"), ("state", "alive")])
        #expect(alive.lastValue == 1)
        let dead = try metrics.expectGauge("heartbeat_instances", [("service", "orders"), ("state", "dead")])
        #expect(dead.lastValue == 0)
        let since = try metrics.expectGauge(
            "heartbeat_seconds_since_last_beat",
            [("service", "orders"), ("instance", "a")]
        )
        #expect(since.lastValue == 21)
    }

    @Test func aDecommissionedInstanceLeavesTheGauges() async throws {
        let metrics = TestMetrics()
        let fixture = try MonitorFixture(metricsFactory: metrics)
        try await fixture.harness.run {
            try await fixture.send(beat("a", sequence: 1), beat("b", sequence: 1))
            await fixture.advance(1)
            try fixture.monitor.decommission("a", of: "orders")
            await fixture.advance(1)
        }
        #expect(throws: (any Error).self) {
            try metrics.expectGauge("heartbeat_seconds_since_last_beat", [("service", "orders"), ("instance", "a")])
        }
        let alive = try metrics.expectGauge("heartbeat_instances", [("service", "orders"), ("state", "alive")])
        #expect(alive.lastValue == 1)
    }
}
