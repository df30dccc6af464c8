import CQRS
import MessageBus
import MessageBusTesting
import Messaging
import Metrics
import MetricsTestKit
import Testing

@Suite("Event processors")
struct EventProcessorTests {
    @Test(arguments: Carrier.allCases)
    func twoHandlersInOneGroupForOneEventTypeBothRun(carrier: Carrier) async throws {
        let stage = try Stage(carrier, topics: ["rules.events"])
        let bus = try stage.bus()
        let processor = EventProcessor(topic: "rules.events", group: "reports")
        let stock = Collector<RuleCreated>()
        let audit = Collector<RuleCreated>()
        try processor.on(RuleCreated.self, name: "stock") { event, _ in stock.append(event) }
        try processor.on(RuleCreated.self, name: "audit") { event, _ in audit.append(event) }
        try processor.register(on: bus)
        let events = [RuleCreated(id: 1, name: "doors"), RuleCreated(id: 2, name: "windows")]
        try await stage.run([bus]) {
            try await bus.transport.publish(try events.map { try Message($0) }, to: "rules.events")
            try await stage.waitUntil("both handlers ran for both events") { stock.count == 2 && audit.count == 2 }
            try await stage.waitUntilHandled("rules.events", group: "reports", on: bus)
        }
        #expect(stock.all.sorted { $0.id < $1.id } == events)
        #expect(audit.all.sorted { $0.id < $1.id } == events)
    }

    @Test func anEventOfAnUnknownTypeIsSkippedAndCounted() async throws {
        let metrics = TestMetrics()
        let harness = BusHarness(metricsFactory: metrics)
        let processor = EventProcessor(topic: "rules.events", group: "reports")
        let created = Collector<RuleCreated>()
        try processor.on(RuleCreated.self, name: "created") { event, _ in created.append(event) }
        try processor.register(on: harness.bus)
        try await harness.run {
            try await harness.transport.publish(
                [try Message(RuleRenamed(id: 1, name: "gates")), try Message(RuleCreated(id: 2, name: "doors"))],
                to: "rules.events"
            )
            try await harness.waitUntilHandled("rules.events", group: "reports")
        }
        #expect(created.all == [RuleCreated(id: 2, name: "doors")])
        let skipped = try metrics.expectCounter(
            "cqrs_events_skipped_total",
            [("group", "reports"), ("type", "rules.rule-renamed")]
        )
        #expect(skipped.totalValue == 1)
    }

    @Test func aSecondHandlerWithTheSameNameForATypeIsRefused() throws {
        let processor = EventProcessor(topic: "rules.events", group: "reports")
        try processor.on(RuleCreated.self, name: "created") { _, _ in }
        let error = try #require(throws: CQRSError.self) {
            try processor.on(RuleCreated.self, name: "created") { _, _ in }
        }
        #expect(error.code == .duplicateHandler)
    }
}
