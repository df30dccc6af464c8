import ExampleSupport
import ExampleTesting
import Foundation
import InMemoryTransport
import Testing

@testable import CQRSExample

@Suite("Course case 004's heartbeat on :5020")
struct HeartbeatTests {
    /// The services a health report shows `status` for.
    func services(in answer: Answer, withStatus status: String) -> Set<String> {
        let checks = answer.json["checks"] as? [String: [[String: Any]]] ?? [:]
        return Set(
            checks.compactMap { key, entries in
                key.hasSuffix(":instances") && entries.first?["status"] as? String == status
                    ? String(key.dropLast(":instances".count)) : nil
            }
        )
    }

    @Test("Every application alive; the query side stopped hard is dead with an alert (503), then restored")
    func deadAndRestored() async throws {
        let application = try buildApplication(testConfiguration(), transport: InMemoryTransport(), logger: quietLogger)
        try await running([application]) {
            let port = try await application.monitorPort()
            let alive = try await eventually(port, "/hearbeat") {
                $0.status == 200 && services(in: $0, withStatus: "pass") == Set(MonitorApplication.services)
            }
            #expect(alive.contentType == "application/health+json")
            #expect(alive.json["status"] as? String == "pass")

            await application.emitters["queries"]?.stop()
            let dead = try await eventually(port, "/heartbeat") { $0.status == 503 }
            #expect(dead.json["status"] as? String == "fail")
            #expect(services(in: dead, withStatus: "fail") == ["queries"])
            let alerts = try await call(.GET, port, "/alerts").json["alerts"] as? [[String: Any]] ?? []
            #expect(alerts.contains { $0["kind"] as? String == "serviceDead" && $0["service"] as? String == "queries" })

            try application.emitters["queries"]?.start()
            let restored = try await eventually(port, "/hearbeat") {
                $0.status == 200 && $0.json["status"] as? String == "pass"
            }
            #expect(restored.json["status"] as? String == "pass")
            let after = try await call(.GET, port, "/alerts").json["alerts"] as? [[String: Any]] ?? []
            #expect(
                after.contains { $0["kind"] as? String == "serviceRestored" && $0["service"] as? String == "queries" }
            )
            let posted = try await eventually(port, "/webhook") {
                ($0.json["received"] as? [[String: Any]] ?? []).contains { $0["kind"] as? String == "serviceRestored" }
            }
            let kinds = (posted.json["received"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
            #expect(kinds.contains("serviceDead"))
        }
    }

    @Test("A grace period not longer than the interval is refused at start-up, naming the options")
    func graceNotLongerThanInterval() throws {
        var configuration = testConfiguration()
        configuration.heartbeatGrace = configuration.heartbeatInterval
        #expect(throws: ExampleError.self) {
            try buildApplication(configuration, transport: InMemoryTransport(), logger: quietLogger)
        }
        do {
            _ = try buildApplication(configuration, transport: InMemoryTransport(), logger: quietLogger)
        } catch let error as ExampleError {
            #expect(error.description.contains("--heartbeat-grace"))
        }
    }
}
