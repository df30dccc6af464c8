import Foundation
import Heartbeat
import MessageBus
import Messaging
import Testing

@Suite("The heartbeat message")
struct BeatTests {
    @Test func aBeatTravelsAsJSONWithItsIntervalInSeconds() throws {
        let check = CheckResult(
            name: "publish",
            kind: .liveness,
            status: .warn,
            observedValue: 12.5,
            observedUnit: "ms",
            output: "slow",
            time: Date(timeIntervalSince1970: 1_800_000_010)
        )
        let sent = Beat(
            service: "orders-query",
            instanceID: "query-1",
            host: "node-4",
            sequence: 42,
            startTime: Date(timeIntervalSince1970: 1_800_000_000),
            interval: .milliseconds(2500),
            status: .stopping,
            checks: [check],
            time: Date(timeIntervalSince1970: 1_800_000_011)
        )
        let message = try Message(sent)
        #expect(message.type == "heartbeat.beat")
        #expect(message.key == "orders-query/query-1")
        let fields = try #require(try JSONSerialization.jsonObject(with: message.payload) as? [String: Any])
        #expect(
            Set(fields.keys) == [
                "service", "instanceID", "host", "sequence", "startTime", "intervalSeconds", "status", "checks", "time",
            ]
        )
        #expect((fields["intervalSeconds"] as? NSNumber)?.doubleValue == 2.5)
        #expect(fields["status"] as? String == "stopping")
        #expect(try message.decode(Beat.self) == sent)
    }

    @Test func statusesAreOrderedFromHealthyToUnhealthy() {
        #expect(HealthStatus.pass < .warn)
        #expect(HealthStatus.warn < .fail)
        #expect([HealthStatus.warn, .fail, .pass].max() == .fail)
    }
}
