import ExampleSupport
import ExampleTesting
import Foundation
import InMemoryTransport
import Testing

@testable import ChannelAdapterExample

@Suite("Course case 003: one event delivered three ways")
struct StylesTests {
    /// Runs the example with its styles server on a fresh in-memory transport.
    func withStyles(_ body: (ExampleApplication, _ port: Int) async throws -> Void) async throws {
        var configuration = testConfiguration()
        configuration.styles = true
        configuration.stylesPort = 0
        let application = try buildApplication(configuration, transport: InMemoryTransport(), logger: quietLogger)
        try await running([application]) {
            try await body(application, application.stylesPort())
        }
    }

    /// Registers the receiver's URL and hands it the secret the registration answered with.
    func subscribeTheReceiver(_ port: Int) async throws {
        let registration =
            #"{"url": "http://127.0.0.1:\#(port)/webhooks/receiver", "eventTypes": ["usuario.registrado"]}"#
        let registered = try await call(.POST, port, "/webhooks/subscriptions", body: registration)
        #expect(registered.status == 201)
        let secret = try #require(registered.json["secret"] as? String)
        #expect(secret.hasPrefix("whsec_"))
        let kept = try await call(.PUT, port, "/webhooks/receiver/secret", body: #"{"secret": "\#(secret)"}"#)
        #expect(kept.status == 204)
    }

    @Test(
        "Queue: two competing consumers handle the event once; publish/subscribe: every group gets it; webhook: verified"
    )
    func threeWays() async throws {
        try await withStyles { application, port in
            try await subscribeTheReceiver(port)
            for id in 1...6 {
                let user = #"{"id": \#(id), "nombre": "Ana", "email": "ana@example.com"}"#
                #expect(try await call(.POST, port, "/usuarios", body: user).status == 202)
            }
            let done = try await eventually(port, "/deliveries") { answer in
                StylesApplication.groups.allSatisfy { group, _ in
                    ((answer.json[group] as? [String: Int])?["handled"] ?? 0) >= 6
                }
            }
            for (group, consumers) in StylesApplication.groups {
                #expect((done.json[group] as? [String: Int]) == ["consumers": consumers, "handled": 6])
            }
            let received = try await eventually(port, "/webhooks/received") {
                ($0.json["received"] as? [Any])?.count == 6
            }
            let first = (received.json["received"] as? [[String: Any]])?.first
            #expect(first?["signature"] as? String == "verified")
        }
    }

    @Test("A webhook whose signature does not verify is refused with 401")
    func forgedWebhook() async throws {
        try await withStyles { application, port in
            try await subscribeTheReceiver(port)
            let forged = try await call(
                .POST,
                port,
                "/webhooks/receiver",
                body: StylesDemo.user,
                headers: [
                    "webhook-id": "msg_forged",
                    "webhook-timestamp": String(Int(Date().timeIntervalSince1970)),
                    "webhook-signature": "v1,Zm9yZ2VkIHNpZ25hdHVyZQ==",
                ]
            )
            #expect(forged.status == 401)
            let unsigned = try await call(.POST, port, "/webhooks/receiver", body: StylesDemo.user)
            #expect(unsigned.status == 401)
            let received = try await call(.GET, port, "/webhooks/received")
            #expect((received.json["received"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("The styles demo runs to its end")
    func demo() async throws {
        try await withStyles { application, _ in
            let lines = Lines()
            try await StylesDemo(application: application).run(with: DemoPrinter { lines.append($0) })
            #expect(lines.text.contains(#""signature": "verified""#))
        }
    }
}
