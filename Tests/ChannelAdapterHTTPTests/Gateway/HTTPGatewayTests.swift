import ChannelAdapter
import ChannelAdapterHTTP
import Clocks
import Hummingbird
import Logging
import MessageBus
import MessageBusTesting
import Messaging
import Metrics
import MetricsTestKit
import NIOHTTP1
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

@Suite("HTTP gateway")
struct HTTPGatewayTests {
    /// A confirmation an inventory or supplier publishes: the new status of an order.
    struct StatusUpdate: BusMessage, Equatable {
        static let messageType = "erp.status-update"
        var orderID: String
        var status: String
    }

    /// A call the ERP received.
    struct Call: Sendable, Equatable {
        var method: String
        var path: String
        var idempotencyKey: String?
        var body: String
    }

    /// Publishes `updates` to `confirmations`, each keyed by its order.
    static func publish(_ updates: [StatusUpdate], on harness: BusHarness) async throws {
        for update in updates {
            var message = try Message(update)
            message.key = update.orderID
            try await harness.transport.publish(message, to: "confirmations")
        }
    }

    static func gateway(
        _ harness: BusHarness,
        baseURL: String,
        clock: some Clock<Duration>,
        concurrency: Int = 8,
        timeout: Duration = .seconds(30),
        metrics: any MetricsFactory = TestMetrics()
    ) throws -> HTTPGateway {
        try HTTPGateway(
            name: "erp-status",
            bus: harness.bus,
            topic: "confirmations",
            configuration: HTTPGatewayConfiguration(
                maximumConcurrency: concurrency,
                timeout: timeout,
                policy: DeliveryPolicy(maximumAttempts: 5, backoff: Backoff(initial: .milliseconds(100), jitter: 0))
            ),
            clock: clock,
            metricsFactory: metrics
        ) { message in
            let update = try message.decode(StatusUpdate.self)
            return HTTPGatewayRequest(
                method: .PUT,
                url: "\(baseURL)/orders/\(update.orderID)/status",
                body: message.payload
            )
        }
    }

    /// A router that records every `PUT /orders/{id}/status` and answers it with `answer`.
    static func erp(
        calls: Shared<[Call]>,
        answer: @escaping @Sendable (_ call: Call, _ attempt: Int) async throws -> Response
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.put("orders/:id/status") { request, context -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            let call = Call(
                method: "\(request.method)",
                path: request.uri.path,
                idempotencyKey: request.headers[FieldName("Idempotency-Key")!],
                body: String(buffer: body)
            )
            let attempt = calls.update { calls in
                calls.append(call)
                return calls.filter { $0.idempotencyKey == call.idempotencyKey }.count
            }
            return try await answer(call, attempt)
        }
        return router
    }

    @Test func a503WithRetryAfterIsWaitedOutThenDelivered() async throws {
        let calls = Shared<[Call]>([])
        let router = Self.erp(calls: calls) { _, attempt in
            attempt == 1
                ? Response(status: .serviceUnavailable, headers: [.retryAfter: "2"]) : Response(status: .noContent)
        }
        let clock = RecordingClock()
        let harness = BusHarness()
        try await withServer(router) { baseURL in
            let gateway = try Self.gateway(harness, baseURL: baseURL, clock: clock)
            try await harness.run {
                try await withRunningServices([gateway], logger: Logger(label: "test")) {
                    try await Self.publish([StatusUpdate(orderID: "po-1", status: "confirmed")], on: harness)
                    try await harness.waitUntilHandled("confirmations", group: "erp-status")
                }
            }
        }
        let made = calls.current
        #expect(made.count == 2)
        #expect(made.allSatisfy { $0.path == "/orders/po-1/status" && $0.method == "PUT" })
        let id = try #require(made.first?.idempotencyKey)
        #expect(made.map(\.idempotencyKey) == [id, id])
        #expect(clock.sleeps.count == 1)
        #expect(clock.sleeps.allSatisfy { $0 >= .seconds(2) })
        #expect(harness.published(to: "confirmations.dead").isEmpty)
        #expect(harness.notifications.isEmpty)
    }

    @Test func a400IsDeadLetteredOnceWithoutRetry() async throws {
        let calls = Shared<[Call]>([])
        let router = Self.erp(calls: calls) { _, _ in Response(status: .badRequest) }
        let clock = RecordingClock()
        let harness = BusHarness()
        let metrics = TestMetrics()
        try await withServer(router) { baseURL in
            let gateway = try Self.gateway(harness, baseURL: baseURL, clock: clock, metrics: metrics)
            try await harness.run {
                try await withRunningServices([gateway], logger: Logger(label: "test")) {
                    try await Self.publish([StatusUpdate(orderID: "po-9", status: "shipped")], on: harness)
                    try await harness.waitUntilHandled("confirmations", group: "erp-status")
                }
            }
        }
        #expect(calls.current.count == 1)
        #expect(clock.sleeps.isEmpty)
        let deadLetters = harness.published(to: "confirmations.dead")
        #expect(deadLetters.count == 1)
        let deadLetter = try #require(deadLetters.first)
        #expect(deadLetter.headers[MessageHeader.DeadLetter.reason] == "rejected")
        #expect(deadLetter.headers[MessageHeader.DeadLetter.sourceTopic] == "confirmations")
        #expect(deadLetter.headers[MessageHeader.DeadLetter.attempts] == "1")
        #expect(deadLetter.headers[MessageHeader.DeadLetter.error]?.contains("answered 400") == true)
        #expect(try deadLetter.decode(StatusUpdate.self) == StatusUpdate(orderID: "po-9", status: "shipped"))
        let notifications = harness.notifications
        #expect(notifications.count == 1)
        #expect(notifications.first?.kind == .deliveryRejected)
        #expect(notifications.first?.messageID == deadLetter.id)
        #expect(notifications.first?.deadLetterTopic == "confirmations.dead")
        let deadLettered = try metrics.expectCounter(
            "channel_adapter_gateway_dead_lettered_total",
            [("gateway", "erp-status"), ("reason", "rejected")]
        )
        #expect(deadLettered.totalValue == 1)
    }

    @Test func twentyKeysRunInParallelWithinTheBoundWhileOneFailingKeyKeepsItsOrder() async throws {
        let bound = 4
        let inFlight = Shared((now: 0, most: 0))
        let applied = Shared<[String: [String]]>([:])
        let calls = Shared<[Call]>([])
        let failing = "po-7"
        let failures = Shared(3)
        let router = Self.erp(calls: calls) { call, _ in
            inFlight.update {
                $0.now += 1; $0.most = max($0.most, $0.now)
            }
            defer { inFlight.update { $0.now -= 1 } }
            // Hold each call until two were in flight at once — which a gateway calling one at a
            // time never reaches, failing the test after a minute — and a moment more, so that
            // calls of different keys overlap.
            let deadline = ContinuousClock.now + .seconds(60)
            while inFlight.current.most < 2, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(1))
            }
            try await Task.sleep(for: .milliseconds(10))
            let update = try JSONDecoder().decode(StatusUpdate.self, from: Data(call.body.utf8))
            if update.orderID == failing,
                failures.update({ count in
                    defer { count -= 1 }; return count > 0
                })
            {
                return Response(status: .internalServerError)
            }
            applied.update { $0[update.orderID, default: []].append(update.status) }
            return Response(status: .ok)
        }
        let statuses = ["reserved", "scheduled", "confirmed"]
        let orders = (1...20).map { "po-\($0)" }
        var updates: [StatusUpdate] = []
        for status in statuses {
            updates += orders.map { StatusUpdate(orderID: $0, status: status) }
        }
        let clock = RecordingClock()
        let harness = BusHarness()
        let metrics = TestMetrics()
        try await withServer(router) { [updates] baseURL in
            let gateway = try Self.gateway(
                harness,
                baseURL: baseURL,
                clock: clock,
                concurrency: bound,
                metrics: metrics
            )
            try await harness.run {
                try await withRunningServices([gateway], logger: Logger(label: "test")) {
                    try await Self.publish(updates, on: harness)
                    try await harness.waitUntilHandled("confirmations", group: "erp-status")
                }
            }
        }
        let result = applied.current
        #expect(result.count == 20)
        for order in orders {
            #expect(result[order] == statuses, "\(order)")
        }
        #expect(inFlight.current.most <= bound)
        #expect(inFlight.current.most > 1)
        #expect(calls.current.count == 60 + 3)
        #expect(clock.sleeps.count == 3)
        #expect(harness.published(to: "confirmations.dead").isEmpty)
        let gateway = [("gateway", "erp-status")]
        #expect(try metrics.expectCounter("channel_adapter_gateway_delivered_total", gateway).totalValue == 60)
        #expect(try metrics.expectCounter("channel_adapter_gateway_retries_total", gateway).totalValue == 3)
        let failed = try metrics.expectCounter("channel_adapter_gateway_calls_total", gateway + [("status", "500")])
        #expect(failed.totalValue == 3)
    }

    @Test func aCallThatTakesLongerThanTheTimeoutIsTriedAgain() async throws {
        let calls = Shared<[Call]>([])
        let router = Self.erp(calls: calls) { _, attempt in
            if attempt == 1 {
                // Longer than the gateway waits; the server finishes it when the test ends.
                try? await Task.sleep(for: .seconds(2))
            }
            return Response(status: .ok)
        }
        let clock = RecordingClock()
        let harness = BusHarness()
        try await withServer(router) { baseURL in
            let gateway = try Self.gateway(harness, baseURL: baseURL, clock: clock, timeout: .milliseconds(500))
            try await harness.run {
                try await withRunningServices([gateway], logger: Logger(label: "test")) {
                    try await Self.publish([StatusUpdate(orderID: "po-5", status: "confirmed")], on: harness)
                    try await harness.waitUntilHandled("confirmations", group: "erp-status")
                }
            }
        }
        // The first call timed out; on a loaded machine a later one may too, and is tried again.
        let made = calls.current
        #expect(made.count >= 2)
        #expect(Set(made.map(\.idempotencyKey)).count == 1)
        #expect(clock.sleeps.count == made.count - 1)
        #expect(harness.published(to: "confirmations.dead").isEmpty)
    }

    @Test func aMessageWaitingOutARetryAtShutdownIsLeftForTheNextMember() async throws {
        let calls = Shared<[Call]>([])
        let available = Shared(false)
        let router = Self.erp(calls: calls) { _, _ in
            Response(status: available.current ? .ok : .serviceUnavailable)
        }
        let harness = BusHarness()
        try await withServer(router) { baseURL in
            try await harness.run {
                // A clock that never moves: the gateway waits out its retry until it stops.
                let first = try Self.gateway(harness, baseURL: baseURL, clock: TestClock())
                try await withRunningServices([first], logger: Logger(label: "test")) {
                    try await Self.publish([StatusUpdate(orderID: "po-3", status: "confirmed")], on: harness)
                    try await harness.waitUntil("the gateway tried once") { calls.current.count == 1 }
                }
                #expect(harness.broker.snapshot(of: "confirmations")?.lag(of: "erp-status") == 1)
                available.update { $0 = true }
                let second = try Self.gateway(harness, baseURL: baseURL, clock: RecordingClock())
                try await withRunningServices([second], logger: Logger(label: "test")) {
                    try await harness.waitUntilHandled("confirmations", group: "erp-status")
                }
            }
        }
        // One call by the gateway that stopped, one by the next, with the same key.
        #expect(calls.current.count == 2)
        #expect(Set(calls.current.map(\.idempotencyKey)).count == 1)
        #expect(harness.published(to: "confirmations.dead").isEmpty)
    }

    @Test func aGatewayConfiguredWronglyIsRefused() {
        let harness = BusHarness()
        #expect(throws: ChannelAdapterError.self) {
            try HTTPGateway(name: "", bus: harness.bus, topic: "confirmations") { _ in
                HTTPGatewayRequest(method: .GET, url: "http://erp.internal")
            }
        }
        let error = #expect(throws: ChannelAdapterError.self) {
            try HTTPGateway(name: "erp-status", bus: harness.bus, topic: "bad topic") { _ in
                HTTPGatewayRequest(method: .GET, url: "http://erp.internal")
            }
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.reason.contains("erp-status") == true)
    }
}
