import AsyncHTTPClient
import ChannelAdapterHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
import MessageSecurity
import NIOCore
import Synchronization
import Testing

@Suite("Webhook receiver")
struct WebhookReceiverTests {
    /// The events a receiver handed on.
    final class Received: Sendable {
        private let received = Mutex<[VerifiedWebhook]>([])

        func append(_ event: VerifiedWebhook) {
            received.withLock { $0.append(event) }
        }

        var events: [VerifiedWebhook] {
            received.withLock { $0 }
        }
    }

    /// Runs a server with a `WebhookReceiver` route at `/hooks/orders` around `body`, which gets
    /// the route's URL.
    static func withReceiver(
        secrets: [WebhookSecret],
        now: @escaping @Sendable () -> Date = Date.init,
        _ body: @Sendable (_ url: String, _ received: Received) async throws -> Void
    ) async throws {
        let received = Received()
        let router = Router()
        WebhookReceiver(secrets: secrets, now: now).route(on: router, path: "hooks/orders") { event, _ in
            received.append(event)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            try await body("http://127.0.0.1:\(port)/hooks/orders", received)
        }
    }

    /// Posts `body` to `url` with `headers`, answering the status code.
    static func post(_ url: String, headers: [(String, String)], body: Data) async throws -> UInt {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        return response.status.code
    }

    static let body = Data(#"{"order":7}"#.utf8)

    @Test func aSignedRequestIsHandedOn() async throws {
        let secret = WebhookSecret.generate()
        try await Self.withReceiver(secrets: [secret]) { url, received in
            let headers = WebhookSigner(secrets: [secret]).headers(id: "msg_7", timestamp: Date(), body: Self.body)

            let status = try await Self.post(url, headers: headers, body: Self.body)

            #expect(status == 204)
            #expect(received.events.map(\.id) == ["msg_7"])
            #expect(received.events.first?.body == Self.body)
        }
    }

    @Test func aTamperedBodyIsUnauthorized() async throws {
        let secret = WebhookSecret.generate()
        try await Self.withReceiver(secrets: [secret]) { url, received in
            let headers = WebhookSigner(secrets: [secret]).headers(id: "msg_7", timestamp: Date(), body: Self.body)

            let status = try await Self.post(url, headers: headers, body: Data(#"{"order":8}"#.utf8))

            #expect(status == 401)
            #expect(received.events.isEmpty)
        }
    }

    @Test func anotherSecretIsUnauthorized() async throws {
        try await Self.withReceiver(secrets: [WebhookSecret.generate()]) { url, received in
            let headers = WebhookSigner(secrets: [WebhookSecret.generate()])
                .headers(id: "msg_7", timestamp: Date(), body: Self.body)

            let status = try await Self.post(url, headers: headers, body: Self.body)

            #expect(status == 401)
            #expect(received.events.isEmpty)
        }
    }

    @Test func anOldTimestampIsUnauthorized() async throws {
        let secret = WebhookSecret.generate()
        let signedAt = Date(timeIntervalSince1970: 1_800_000_000)
        let later: @Sendable () -> Date = { signedAt.addingTimeInterval(301) }
        try await Self.withReceiver(secrets: [secret], now: later) { url, received in
            let headers = WebhookSigner(secrets: [secret]).headers(id: "msg_7", timestamp: signedAt, body: Self.body)

            let status = try await Self.post(url, headers: headers, body: Self.body)

            #expect(status == 401)
            #expect(received.events.isEmpty)
        }
    }

    @Test func anUnsignedRequestIsUnauthorized() async throws {
        try await Self.withReceiver(secrets: [WebhookSecret.generate()]) { url, received in
            let status = try await Self.post(url, headers: [("content-type", "application/json")], body: Self.body)

            #expect(status == 401)
            #expect(received.events.isEmpty)
        }
    }
}
