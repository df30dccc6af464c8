import Foundation
import Hummingbird
import HummingbirdTesting
import MessageBus
import MessageBusWebhook
import MessageSecurity
import Synchronization
import Testing

@Suite("Webhook notifier")
struct WebhookNotifierTests {
    /// The bodies a test server received.
    final class Bodies: Sendable {
        private let bodies = Mutex<[String]>([])

        func append(_ body: String) {
            bodies.withLock { $0.append(body) }
        }

        var all: [String] {
            bodies.withLock { $0 }
        }
    }

    /// Runs an HTTP server on a free local port that answers `POST /hook` with `status` and
    /// remembers the bodies, around `body`.
    static func withReceiver(
        answering status: HTTPResponse.Status,
        _ body: @Sendable (_ url: String, _ received: Bodies) async throws -> Void
    ) async throws {
        let received = Bodies()
        let router = Router()
        router.post("hook") { request, context -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            received.append(String(buffer: buffer))
            return Response(status: status)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            try await body("http://127.0.0.1:\(port)/hook", received)
        }
    }

    @Test func aNotificationIsPostedAsJSON() async throws {
        try await Self.withReceiver(answering: .noContent) { url, received in
            let notifier = WebhookNotifier(url: url, headers: [("Authorization", "Bearer secret")])
            let notification = BusNotification(
                kind: .deadLettered,
                summary: "Message m1 was dead-lettered",
                messageID: "m1",
                topic: "orders",
                reason: "retriesExhausted",
                attempts: 3,
                deadLetterTopic: "orders.dead",
                time: Date(timeIntervalSince1970: 1_740_246_230)
            )
            try await notifier.notify(notification)
            let body = try #require(received.all.first)
            #expect(body.contains(#""kind":"deadLettered""#))
            #expect(body.contains(#""time":"2025-02-22T17:43:50Z""#))
            let decoded = try BusNotification.codec.decode(BusNotification.self, from: Data(body.utf8))
            #expect(decoded == notification)
        }
    }

    @Test func aSignedNotificationVerifiesWithTheStandardWebhooksHeaders() async throws {
        let secret = WebhookSecret.generate()
        let verified = Mutex<[Result<String, SecurityError>]>([])
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            let headers = request.headers.map { ($0.name.canonicalName, $0.value) }
            do throws(SecurityError) {
                try WebhookVerifier(secrets: [secret]).verify(headers: headers, body: Data(buffer.readableBytesView))
                verified.withLock { $0.append(.success(String(buffer: buffer))) }
            } catch {
                verified.withLock { $0.append(.failure(error)) }
            }
            return Response(status: .noContent)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let notifier = WebhookNotifier(
                url: "http://127.0.0.1:\(port)/hook",
                signer: WebhookSigner(secrets: [secret])
            )
            try await notifier.notify(BusNotification(kind: .securityViolation, summary: "Message m1 was refused"))
        }
        let results = verified.withLock { $0 }
        #expect(results.count == 1)
        #expect((try? results.first?.get())?.contains("securityViolation") == true, "\(results)")
    }

    @Test func anErrorAnswerIsAnError() async throws {
        try await Self.withReceiver(answering: .internalServerError) { url, _ in
            await #expect {
                try await WebhookNotifier(url: url).notify(BusNotification(kind: .handlerFailed, summary: "x"))
            } throws: { error in
                let error = error as? WebhookError
                return error?.status == 500 && "\(error!)".contains(url) && error?.codeName == "webhook.rejected"
                    && error?.isRetriable == true
            }
        }
    }

    @Test func aClientErrorAnswerIsNotWorthRetrying() async throws {
        try await Self.withReceiver(answering: .notFound) { url, _ in
            await #expect {
                try await WebhookNotifier(url: url).notify(BusNotification(kind: .handlerFailed, summary: "x"))
            } throws: { error in
                (error as? WebhookError)?.status == 404 && !MessageBusError.isRetriable(error)
            }
        }
    }

    @Test func anUnreachableEndpointIsAnError() async throws {
        await #expect {
            try await WebhookNotifier(url: "http://127.0.0.1:1/hook", timeout: .seconds(1))
                .notify(BusNotification(kind: .handlerFailed, summary: "x"))
        } throws: { error in
            let error = error as? WebhookError
            return error?.status == nil && "\(error!)".contains("127.0.0.1:1") && error?.code == .requestFailed
                && error?.isRetriable == true
        }
    }
}
