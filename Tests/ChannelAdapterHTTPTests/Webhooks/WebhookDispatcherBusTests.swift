import ChannelAdapter
import ChannelAdapterHTTP
import Foundation
import MessageBus
import MessageBusTesting
import Messaging
import Testing

@Suite("Webhook dispatcher on a bus")
struct WebhookDispatcherBusTests {
    @Test func aRefusedEventIsNotifiedAndDeadLetteredWhileTheOthersAreDelivered() async throws {
        let server = WebhookTestServer()
        server.script("good", [.init(status: .noContent)])
        server.script("bad", [.init(status: .unprocessableContent)])
        let harness = BusHarness()
        let dispatcher = WebhookDispatcher(
            store: InMemorySubscriptionStore(),
            targetPolicy: .allowPrivateNetworks,
            deadLetterTopic: "order-events.webhooks.dead"
        )
        try harness.bus.handle(from: "order-events", group: "webhooks", handler: dispatcher)
        try await server.run { base in
            try await WebhookDispatcherTests.withDispatcher(dispatcher) { dispatcher in
                let good = try await dispatcher.register(url: "\(base)/good", eventTypes: ["order.created"])
                let bad = try await dispatcher.register(url: "\(base)/bad", eventTypes: ["order.created"])
                try await harness.run {
                    try await harness.transport.publish(
                        WebhookDispatcherTests.event(id: "evt_1"),
                        to: "order-events"
                    )
                    try await harness.waitUntilHandled("order-events", group: "webhooks")
                }

                #expect(server.hits("good").map { $0.headers["webhook-id"] } == ["evt_1"])
                #expect(server.hits("bad").count == 1)
                let notification = try #require(harness.notifications.first { $0.kind == .webhookFailed })
                #expect(notification.messageID == "evt_1")
                #expect(notification.reason == ChannelAdapterError.Code.rejected.name)
                #expect(notification.summary.contains(bad.id))
                #expect(!notification.summary.contains(good.id))
                let deadLetter = try #require(harness.published(to: "order-events.webhooks.dead").first)
                #expect(deadLetter.id == "evt_1")
                #expect(deadLetter.headers[WebhookDispatcher.subscriptionHeader] == bad.id)
                #expect(deadLetter.headers[MessageHeader.DeadLetter.reason] == "rejected")
            }
        }
    }
}
