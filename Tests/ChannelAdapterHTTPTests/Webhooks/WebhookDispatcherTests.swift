import ChannelAdapter
import ChannelAdapterHTTP
import Clocks
import Foundation
import MessageSecurity
import Messaging
import Testing

@Suite("Webhook dispatcher")
struct WebhookDispatcherTests {
    /// A dispatcher allowed to reach this machine, whose waits pass at once on `clock`.
    static func makeDispatcher(
        store: any SubscriptionStore = InMemorySubscriptionStore(),
        clock: ImmediateClock<Duration> = ImmediateClock(),
        retryPeriod: Duration = .seconds(900)
    ) -> WebhookDispatcher {
        WebhookDispatcher(
            store: store,
            targetPolicy: .allowPrivateNetworks,
            retry: DeliveryPolicy(
                maximumAttempts: 8,
                backoff: Backoff(initial: .seconds(1), multiplier: 2, maximum: .seconds(60), jitter: 0)
            ),
            retryPeriod: retryPeriod,
            clock: clock
        )
    }

    static func event(_ type: String = "order.created", id: String = "msg_1") -> Message {
        Message(id: id, type: type, dataContentType: "application/json", payload: Data(#"{"order":42}"#.utf8))
    }

    /// Runs `body` with a dispatcher and shuts its client down afterwards, whatever happens.
    static func withDispatcher(
        _ dispatcher: WebhookDispatcher,
        _ body: (WebhookDispatcher) async throws -> Void
    ) async throws {
        do {
            try await body(dispatcher)
        } catch {
            try await dispatcher.shutdown()
            throw error
        }
        try await dispatcher.shutdown()
    }

    @Test func anEventIsPostedSignedToTheSubscriptionsOfItsType() async throws {
        let server = WebhookTestServer()
        server.script("hook", [.init(status: .ok)])
        try await server.run { base in
            try await Self.withDispatcher(Self.makeDispatcher()) { dispatcher in
                let subscription = try await dispatcher.register(url: "\(base)/hook", eventTypes: ["order.created"])
                _ = try await dispatcher.register(url: "\(base)/other", eventTypes: ["order.cancelled"])

                let reports = try await dispatcher.dispatch(Self.event())

                #expect(reports.count == 1)
                #expect(reports.first?.isDelivered == true)
                let hit = try #require(server.hits("hook").first)
                #expect(server.hits("other").isEmpty)
                #expect(hit.body == Data(#"{"order":42}"#.utf8))
                #expect(hit.headers["webhook-id"] == "msg_1")
                #expect(hit.headers["content-type"] == "application/json")
                let verifier = WebhookVerifier(secrets: [try WebhookSecret(subscription.secret)])
                try verifier.verify(headers: hit.headers.map { ($0.key, $0.value) }, body: hit.body)
            }
        }
    }

    @Test func theSignatureMatchesAnIndependentHMACInPython() async throws {
        let server = WebhookTestServer()
        server.script("hook", [.init(status: .noContent)])
        try await server.run { base in
            try await Self.withDispatcher(Self.makeDispatcher()) { dispatcher in
                let subscription = try await dispatcher.register(url: "\(base)/hook", eventTypes: ["*"])
                _ = try await dispatcher.dispatch(Self.event(id: "msg_python"))
                let hit = try #require(server.hits("hook").first)
                let id = try #require(hit.headers["webhook-id"])
                let timestamp = try #require(hit.headers["webhook-timestamp"])
                let signature = try #require(hit.headers["webhook-signature"])

                let expected = try PythonSignature.compute(
                    secret: subscription.secret,
                    id: id,
                    timestamp: timestamp,
                    body: hit.body
                )

                #expect(expected.hasPrefix("v1,"))
                #expect(signature == expected)
            }
        }
    }

    @Test func aRedirectIsNotFollowed() async throws {
        let server = WebhookTestServer()
        try await server.run { base in
            server.script("moved", [.init(status: .found, headers: ["Location": "\(base)/target"])])
            server.script("target", [.init(status: .ok)])
            try await Self.withDispatcher(Self.makeDispatcher()) { dispatcher in
                _ = try await dispatcher.register(url: "\(base)/moved", eventTypes: ["order.created"])

                let report = try #require(try await dispatcher.dispatch(Self.event()).first)

                let error = try #require(report.outcome.failure, "A redirect was reported as \(report.outcome)")
                #expect(error.code == .rejected)
                #expect(error.statusCode == 302)
                #expect(error.reason.contains("no redirects"))
                #expect(report.attempts == 1)
                #expect(server.hits("moved").count == 1)
                #expect(server.hits("target").isEmpty)
            }
        }
    }

    @Test func aHostThatDoesNotResolveIsTriedAgainUntilTheRetriesRunOut() async throws {
        let store = InMemorySubscriptionStore()
        try await store.register(
            WebhookSubscription(
                id: "sub_dns",
                url: "http://nowhere.invalid/hook",
                eventTypes: ["order.created"],
                secret: WebhookSecret.generate().encoded
            )
        )
        try await Self.withDispatcher(Self.makeDispatcher(store: store)) { dispatcher in
            let report = try #require(try await dispatcher.dispatch(Self.event()).first)

            let error = try #require(report.outcome.failure, "An unresolvable host was reported as \(report.outcome)")
            #expect(error.code == .retriesExhausted)
            #expect(error.reason.contains("nowhere.invalid"))
            #expect(report.attempts == 8)
        }
    }

    @Test func aGoneEndpointDisablesItsSubscription() async throws {
        let server = WebhookTestServer()
        server.script("gone", [.init(status: .gone)])
        let store = InMemorySubscriptionStore()
        try await server.run { base in
            try await Self.withDispatcher(Self.makeDispatcher(store: store)) { dispatcher in
                let subscription = try await dispatcher.register(url: "\(base)/gone", eventTypes: ["order.created"])

                let first = try #require(try await dispatcher.dispatch(Self.event(id: "m1")).first)
                let second = try await dispatcher.dispatch(Self.event(id: "m2"))

                let reason = try #require(first.outcome.disabledReason, "A 410 was reported as \(first.outcome)")
                #expect(reason.contains("410"))
                let stored = try #require(try await store.subscription(subscription.id))
                #expect(!stored.isEnabled)
                #expect(stored.disabledReason == reason)
                #expect(second.isEmpty)
                #expect(server.hits("gone").count == 1)
            }
        }
    }

    @Test func tooManyRequestsWaitsForRetryAfter() async throws {
        let server = WebhookTestServer()
        server.script("busy", [.init(status: .tooManyRequests, headers: ["Retry-After": "7"]), .init(status: .ok)])
        let clock = ImmediateClock<Duration>()
        let start = clock.now
        try await server.run { base in
            try await Self.withDispatcher(Self.makeDispatcher(clock: clock)) { dispatcher in
                _ = try await dispatcher.register(url: "\(base)/busy", eventTypes: ["order.created"])

                let report = try #require(try await dispatcher.dispatch(Self.event()).first)

                #expect(report.isDelivered)
                #expect(report.attempts == 2)
                // The backoff alone would have waited 1 s.
                #expect(start.duration(to: clock.now) == .seconds(7))
                let ids = server.hits("busy").map { $0.headers["webhook-id"] }
                #expect(ids == ["msg_1", "msg_1"])
            }
        }
    }

    @Test func serverErrorsAreRetriedWithBackoffUntilTheyPass() async throws {
        let server = WebhookTestServer()
        server.script(
            "flaky",
            [.init(status: .serviceUnavailable), .init(status: .internalServerError), .init(status: .accepted)]
        )
        let clock = ImmediateClock<Duration>()
        let start = clock.now
        try await server.run { base in
            try await Self.withDispatcher(Self.makeDispatcher(clock: clock)) { dispatcher in
                _ = try await dispatcher.register(url: "\(base)/flaky", eventTypes: ["order.created"])

                let report = try #require(try await dispatcher.dispatch(Self.event()).first)

                let status = try #require(report.outcome.deliveredStatus, "Expected a delivery, got \(report.outcome)")
                #expect(status == 202)
                #expect(report.attempts == 3)
                #expect(start.duration(to: clock.now) == .seconds(3))
                #expect(server.hits("flaky").count == 3)
            }
        }
    }

    @Test func retriesStopAtTheEndOfTheRetryPeriod() async throws {
        let server = WebhookTestServer()
        server.script("down", [.init(status: .serviceUnavailable)])
        let clock = ImmediateClock<Duration>()
        let start = clock.now
        try await server.run { base in
            let dispatcher = Self.makeDispatcher(clock: clock, retryPeriod: .seconds(10))
            try await Self.withDispatcher(dispatcher) { dispatcher in
                _ = try await dispatcher.register(url: "\(base)/down", eventTypes: ["order.created"])

                let report = try #require(try await dispatcher.dispatch(Self.event()).first)

                let error = try #require(report.outcome.failure, "Expected a failure, got \(report.outcome)")
                #expect(error.code == .retriesExhausted)
                // Waits of 1, 2 and 4 s fit in 10 s; the next, 8 s, would not.
                #expect(report.attempts == 4)
                #expect(start.duration(to: clock.now) == .seconds(7))
                #expect(server.hits("down").count == 4)
            }
        }
    }

    @Test func aClientErrorIsNotRetried() async throws {
        let server = WebhookTestServer()
        server.script("bad", [.init(status: .badRequest)])
        try await server.run { base in
            try await Self.withDispatcher(Self.makeDispatcher()) { dispatcher in
                _ = try await dispatcher.register(url: "\(base)/bad", eventTypes: ["order.created"])

                let report = try #require(try await dispatcher.dispatch(Self.event()).first)

                let error = try #require(report.outcome.failure, "Expected a failure, got \(report.outcome)")
                #expect(error.code == .rejected)
                #expect(error.statusCode == 400)
                #expect(server.hits("bad").count == 1)
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func runningAsAServiceShutsTheClientDownWhenStopped() async throws {
        let dispatcher = Self.makeDispatcher()
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await dispatcher.run() }
            tasks.cancelAll()
            try await tasks.waitForAll()
        }
        await #expect(throws: (any Error).self) { try await dispatcher.shutdown() }
    }

    @Test func aDeliveryReachesAWebhookReceiverThatVerifiesIt() async throws {
        let secret = WebhookSecret.generate()
        try await WebhookReceiverTests.withReceiver(secrets: [secret]) { url, received in
            try await Self.withDispatcher(Self.makeDispatcher()) { dispatcher in
                _ = try await dispatcher.register(url: url, eventTypes: ["order.created"], secret: secret)

                let report = try #require(try await dispatcher.dispatch(Self.event(id: "msg_e2e")).first)

                #expect(report.isDelivered)
                #expect(received.events.map(\.id) == ["msg_e2e"])
                #expect(received.events.first?.body == Data(#"{"order":42}"#.utf8))
            }
        }
    }
}

/// Computes a Standard Webhooks signature with Python's `hmac`, `hashlib` and `base64`, in a
/// process of its own: an implementation that shares no code with ours.
enum PythonSignature {
    static let script = """
        import base64, hashlib, hmac, sys
        secret, msg_id, timestamp, body = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
        key = base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
        signed = msg_id.encode() + b"." + timestamp.encode() + b"." + base64.b64decode(body)
        digest = hmac.new(key, signed, hashlib.sha256).digest()
        print("v1," + base64.b64encode(digest).decode(), end="")
        """

    static func compute(secret: String, id: String, timestamp: String, body: Data) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, secret, id, timestamp, body.base64EncodedString()]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "python3 failed with status \(process.terminationStatus)")
        return String(decoding: data, as: UTF8.self)
    }
}

extension WebhookDeliveryReport.Outcome {
    /// The error of a failed delivery, or `nil`.
    var failure: ChannelAdapterError? {
        if case .failed(let error) = self { error } else { nil }
    }

    /// The status code of a delivery, or `nil`.
    var deliveredStatus: Int? {
        if case .delivered(let status) = self { status } else { nil }
    }

    /// Why the subscription was disabled, or `nil`.
    var disabledReason: String? {
        if case .disabled(let reason) = self { reason } else { nil }
    }
}
