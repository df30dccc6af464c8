import ExampleSupport
import ExampleTesting
import Foundation
import Testing

@testable import MessageBusExample

@Suite("Course case 000: GET /metrics and GET /health")
struct OperationsTests {
    @Test("Every server answers GET /health and GET /metrics in Prometheus' text format")
    func metricsAndHealth() async throws {
        let application = try buildApplication(testConfiguration(), logger: quietLogger)
        try await running([application]) {
            let sales = try await application.salesPort()
            let query = try await application.queryPort()
            for port in [sales, query] {
                let health = try await call(.GET, port, "/health")
                #expect(health.status == 200)
                #expect(health.body == "{\n    \"status\": \"ok\"\n}\n")
                #expect(health.contentType == "application/json")
            }

            #expect(try await call(.POST, sales, "/produce", body: seedOrder).status == 200)
            _ = try await whenProcessed(query, "/processed_orders/123458")
            let metrics = try await eventually(query, "/metrics") { answer in
                ["inventory", "billing"].allSatisfy { group in
                    sample(answer.body, "messagebus_handled_total", group: group) == 1
                        && sample(answer.body, "messagebus_consumer_lag", group: group) != nil
                }
            }
            #expect(metrics.status == 200)
            #expect(metrics.contentType == OperationsRoutes.metricsContentType)
            #expect(metrics.body.contains("# TYPE messagebus_handled_total counter"))
            #expect(metrics.body.contains("# TYPE messagebus_handler_duration_seconds histogram"))
            #expect(metrics.body.contains("# TYPE messagebus_consumer_lag gauge"))
            #expect(sample(metrics.body, "messagebus_handler_duration_seconds_count", group: "inventory") == 1)
            #expect(sample(metrics.body, "messagebus_failed_total", group: "billing") == 0)

            let published = try await call(.GET, sales, "/metrics").body
            #expect(published.contains("# TYPE messagebus_published_total counter"))
            #expect(sample(published, "messagebus_published_total", topic: "MessageBus") == 1)
        }
    }
}

/// The value of the sample of `metric` whose labels include `group` (or `topic`), in the
/// Prometheus text `text`; `nil` when there is none.
func sample(_ text: String, _ metric: String, group: String? = nil, topic: String? = nil) -> Double? {
    let wanted = [group.map { #"group="\#($0)""# }, topic.map { #"topic="\#($0)""# }].compactMap { $0 }
    for line in text.split(separator: "\n") where line.hasPrefix(metric + "{") {
        guard let close = line.lastIndex(of: "}") else { continue }
        let labels = line[line.startIndex..<close]
        guard wanted.allSatisfy({ labels.contains($0) }) else { continue }
        return Double(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces))
    }
    return nil
}
