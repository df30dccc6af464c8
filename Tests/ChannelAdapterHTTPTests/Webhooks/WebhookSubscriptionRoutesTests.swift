import ChannelAdapter
import ChannelAdapterHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Webhook subscription routes")
struct WebhookSubscriptionRoutesTests {
    /// Runs an application serving `dispatcher`'s routes at `/webhooks/subscriptions` around `body`.
    static func withRoutes(
        _ dispatcher: WebhookDispatcher,
        _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let router = Router()
        WebhookSubscriptionRoutes(dispatcher: dispatcher).add(to: router.group("webhooks/subscriptions"))
        let app = Application(router: router)
        try await app.test(.router) { client in
            try await body(client)
        }
    }

    static func json(_ text: String) -> ByteBuffer {
        ByteBuffer(string: text)
    }

    @Test func subscriptionsAreRegisteredListedAndDeleted() async throws {
        let store = InMemorySubscriptionStore()
        let dispatcher = WebhookDispatcher(store: store, targetPolicy: .allowPrivateNetworks)
        try await WebhookDispatcherTests.withDispatcher(dispatcher) { dispatcher in
            try await Self.withRoutes(dispatcher) { client in
                let created = try await client.execute(
                    uri: "/webhooks/subscriptions",
                    method: .post,
                    headers: [.contentType: "application/json"],
                    body: Self.json(#"{"url": "http://127.0.0.1:9/hook", "eventTypes": ["order.created"]}"#)
                )
                #expect(created.status == .created)
                let registered = try JSONDecoder.iso.decode(
                    WebhookSubscriptionRoutes.Description.self,
                    from: Data(created.body.readableBytesView)
                )
                #expect(registered.secret?.hasPrefix("whsec_") == true)
                #expect(registered.eventTypes == ["order.created"])

                let listed = try await client.execute(uri: "/webhooks/subscriptions", method: .get)
                #expect(listed.status == .ok)
                let all = try JSONDecoder.iso.decode(
                    [WebhookSubscriptionRoutes.Description].self,
                    from: Data(listed.body.readableBytesView)
                )
                #expect(all.map(\.id) == [registered.id])
                #expect(all.first?.secret == nil)

                let deleted = try await client.execute(uri: "/webhooks/subscriptions/\(registered.id)", method: .delete)
                #expect(deleted.status == .noContent)
                let again = try await client.execute(uri: "/webhooks/subscriptions/\(registered.id)", method: .delete)
                #expect(again.status == .notFound)
            }
        }
        #expect(try await store.list().isEmpty)
    }

    @Test func aRefusedURLIsAnsweredWithWhy() async throws {
        let store = InMemorySubscriptionStore()
        try await WebhookDispatcherTests.withDispatcher(WebhookDispatcher(store: store)) { dispatcher in
            try await Self.withRoutes(dispatcher) { client in
                let refused = try await client.execute(
                    uri: "/webhooks/subscriptions",
                    method: .post,
                    headers: [.contentType: "application/json"],
                    body: Self.json(#"{"url": "http://169.254.169.254/latest", "eventTypes": ["*"]}"#)
                )
                #expect(refused.status == .unprocessableContent)
                #expect(String(buffer: refused.body).contains("link-local"))

                let malformed = try await client.execute(
                    uri: "/webhooks/subscriptions",
                    method: .post,
                    headers: [.contentType: "application/json"],
                    body: Self.json(#"{"address": "x"}"#)
                )
                #expect(malformed.status == .badRequest)
            }
        }
        #expect(try await store.list().isEmpty)
    }
}

extension JSONDecoder {
    /// A decoder of the dates Hummingbird encodes, in ISO 8601.
    static var iso: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
