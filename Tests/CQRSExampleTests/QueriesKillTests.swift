import ExampleSupport
import ExampleTesting
import Foundation
import KafkaTransport
import Testing

@testable import CQRSExample

@Suite("Course case 004 on Kafka: the query side killed")
struct QueriesKillTests {
    /// The status of the query side's instance in a health report.
    func queriesStatus(_ answer: Answer) -> String? {
        let checks = answer.json["checks"] as? [String: [[String: Any]]] ?? [:]
        return checks["queries:heartbeat"]?.first?["status"] as? String
    }

    @Test("The query side, its own process, killed with SIGKILL is reported dead with an alert")
    func queriesKilled() async throws {
        let executable = try ExampleExecutable.built("CQRSExample")
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("heartbeats", partitions: 1)
        try cluster.createTopic(ruleEventsTopic, partitions: 1)
        var configuration = testConfiguration()
        configuration.role = .monitor
        configuration.transport = .kafka(cluster.clientConfiguration)
        configuration.heartbeatInterval = .milliseconds(200)
        configuration.heartbeatGrace = .seconds(2)
        let monitor = try buildApplication(configuration, logger: quietLogger)
        try await running([monitor]) {
            let port = try await monitor.monitorPort()
            let queries = try executable.launch([
                "--kafka", cluster.clientConfiguration.bootstrapServers.joined(separator: ","),
                "--role", "queries", "--queries-port", String(try freeLoopbackPort()),
                "--data-dir", try DataDirectory(nil).path, "--heartbeat-interval", "0.2",
            ])
            let alive = try await eventually(port, "/heartbeat", timeout: .seconds(60)) { queriesStatus($0) == "pass" }
            #expect(queriesStatus(alive) == "pass", "\(queries.log)")

            await queries.kill()
            #expect(queries.wasKilled)
            let dead = try await eventually(port, "/heartbeat") { queriesStatus($0) == "fail" }
            #expect(dead.status == 503)
            let alerts = try await call(.GET, port, "/alerts").json["alerts"] as? [[String: Any]] ?? []
            #expect(
                alerts.contains {
                    $0["kind"] as? String == "serviceDead" && $0["service"] as? String == "queries"
                        && $0["reason"] as? String == "heartbeatMissed"
                }
            )
        }
    }
}
