import Foundation
import InMemoryTransport
import MessageBus
import MessageBusTesting
import MessageSecurity
import Messaging
import MetricsTestKit
import Synchronization
import Testing

/// What a handler saw, in order.
final class Seen: Sendable {
    private let messages = Mutex<[Message]>([])

    func append(_ message: Message) {
        messages.withLock { $0.append(message) }
    }

    var all: [Message] { messages.withLock { $0 } }
    var ids: [String] { all.map(\.id) }
}

@Suite("Secure sender and receiver on a bus")
struct SecureBusTests {
    static let orderPolicy = SecurityPolicy([.init(topic: "orders", algorithm: .aes256GCM)])

    /// A harness whose bus seals and opens with `keys` as `policy` says, and whose handler for
    /// `orders` in group `billing` records what it sees.
    func harness(
        keys: KeyRing,
        policy: SecurityPolicy,
        receiver: SecureReceiver? = nil,
        after: [any MessageMiddleware] = [],
        metrics: TestMetrics = TestMetrics(),
        broker: InMemoryBroker = InMemoryBroker(),
        seen: Seen
    ) throws -> BusHarness {
        let harness = BusHarness(
            broker: broker,
            name: "billing",
            middleware: [receiver ?? SecureReceiver(keys: keys, policy: policy)] + after,
            outgoing: [try SecureSender(keys: keys, policy: policy)],
            metricsFactory: metrics
        )
        try harness.bus.handle(from: "orders", group: "billing") { message, _ in
            seen.append(message)
            return []
        }
        return harness
    }

    @Test(arguments: SealAlgorithm.allCases)
    func whatTheBusSendsIsSealedAndReachesTheHandlerOpened(algorithm: SealAlgorithm) async throws {
        let keys = try testRing(active: algorithm)
        let seen = Seen()
        let harness = try harness(
            keys: keys,
            policy: SecurityPolicy([.init(topic: "orders", algorithm: algorithm)]),
            seen: seen
        )
        try await harness.run {
            try await harness.bus.publish(orderMessage(), to: "orders")
            try await harness.waitUntilHandled("orders", group: "billing")
        }
        let sent = try #require(harness.published(to: "orders").first)
        #expect(sent.extensions[SealAttribute.algorithm] == algorithm.rawValue)
        #expect(String(decoding: sent.payload, as: UTF8.self).contains("Laptop") == !algorithm.encrypts)
        let handled = try #require(seen.all.first)
        #expect(handled.payload == orderMessage().payload)
        #expect(handled.dataContentType == "application/json")
        #expect(handled.extensions[SealAttribute.algorithm] == nil)
        #expect(harness.notifications.isEmpty)
    }

    typealias Tampering = @Sendable (inout Message) -> Void

    static let tamperings: [(String, Tampering)] = [
        ("payload byte", { $0.payload[$0.payload.startIndex + 20] ^= 0x01 }),
        ("type", { $0.type = "sales.order.cancelled" }),
        ("source", { $0.source = "/intruder" }),
        ("key id", { $0.extensions[SealAttribute.keyID] = "signing-1" }),
    ]

    @Test(arguments: tamperings)
    func aTamperedMessageIsQuarantinedOnceAndNeverHandled(tampering: (name: String, tamper: Tampering)) async throws {
        let keys = try testRing(active: .aes256GCM)
        let metrics = TestMetrics()
        let seen = Seen()
        let harness = try harness(keys: keys, policy: Self.orderPolicy, metrics: metrics, seen: seen)
        var tampered = try MessageSealer(keys: keys).seal(orderMessage(), with: .aes256GCM)
        tampering.tamper(&tampered)
        let expected: SecurityError.Code = tampering.name == "key id" ? .unknownKey : .tampered
        try await harness.run {
            try await harness.transport.publish(tampered, to: "orders")
            try await harness.waitUntilHandled("orders", group: "billing")
        }
        #expect(seen.all.isEmpty, "the handler ran for a message with a changed \(tampering.name)")
        let quarantined = harness.published(to: "orders.quarantine")
        #expect(quarantined.count == 1)
        #expect(quarantined.first?.payload == tampered.payload, "the quarantine lost the original bytes")
        #expect(quarantined.first?.headers[SealAttribute.Quarantine.reason] == expected.name)
        #expect(quarantined.first?.headers[SealAttribute.Quarantine.sourceTopic] == "orders")
        #expect(quarantined.first?.extensions == tampered.extensions, "the quarantined message was sealed again")
        #expect(harness.notifications.count == 1)
        #expect(harness.notifications.first?.kind == .securityViolation)
        #expect(harness.notifications.first?.reason == expected.name)
        #expect(harness.notifications.first?.messageID == tampered.id)
        let counter = try metrics.expectCounter(SecureReceiver.rejectedCounterLabel, [("reason", expected.name)])
        #expect(counter.totalValue == 1)
    }

    @Test func anUnsealedOrUnencryptedMessageIsRefusedWhereThePolicyRequiresEncryption() async throws {
        let keys = try testRing(active: .aes256GCM)
        let seen = Seen()
        let harness = try harness(keys: keys, policy: Self.orderPolicy, seen: seen)
        let signed = try MessageSealer(keys: keys).seal(orderMessage(id: "signed"), with: .hmacSHA256)
        try await harness.run {
            try await harness.transport.publish([orderMessage(id: "plain"), signed], to: "orders")
            try await harness.waitUntilHandled("orders", group: "billing")
        }
        #expect(seen.all.isEmpty)
        let reasons = harness.published(to: "orders.quarantine").map { $0.headers[SealAttribute.Quarantine.reason] }
        #expect(reasons == ["unencrypted", "unencrypted"])
    }

    @Test func anUnsignedMessageIsRefusedWhereThePolicyRequiresASignature() async throws {
        let keys = try testRing(active: .ed25519)
        let seen = Seen()
        let harness = try harness(
            keys: keys,
            policy: SecurityPolicy([.init(type: "sales.order.placed", algorithm: .ed25519)]),
            seen: seen
        )
        try await harness.run {
            try await harness.transport.publish([orderMessage(id: "plain"), Message(id: "other-type")], to: "orders")
            try await harness.waitUntilHandled("orders", group: "billing")
        }
        #expect(seen.ids == ["other-type"])
        #expect(
            harness.published(to: "orders.quarantine").map { $0.headers[SealAttribute.Quarantine.reason] } == [
                "unsigned"
            ]
        )
    }

    @Test func keysRotateWithoutDowntimeAndTheOldKeyRetires() async throws {
        let clock = TestWallClock()
        let k1 = try symmetricKey("k1")
        let k2 = try symmetricKey("k2")
        let beforeRotation = MessageSealer(keys: try KeyRing([k1], activeKeyID: "k1"), now: clock.reading)
        var retiring = k1
        retiring.retires = clock.now.addingTimeInterval(3600)
        let rotated = try KeyRing([retiring, k2], activeKeyID: "k2")
        let failing = Mutex(true)
        let seen = Seen()
        let harness = BusHarness(
            name: "billing",
            middleware: [
                DeadLetterChannel(topic: "orders.dead"),
                SecureReceiver(
                    keys: rotated,
                    policy: Self.orderPolicy,
                    replays: InMemoryIdempotencyStore(),
                    now: clock.reading
                ),
            ],
            outgoing: [try SecureSender(keys: rotated, policy: Self.orderPolicy, now: clock.reading)]
        )
        try harness.bus.handle(from: "orders", group: "billing") { message, _ in
            if message.id == "sealed-under-k1", failing.withLock({ $0 }) {
                throw SecurityTestFailure()
            }
            seen.append(message)
            return []
        }
        let underK1 = try beforeRotation.seal(orderMessage(id: "sealed-under-k1"), with: .aes256GCM)
        try await harness.run {
            try await harness.transport.publish(underK1, to: "orders")
            try await harness.waitUntilHandled("orders", group: "billing")
            #expect(harness.published(to: "orders.dead").count == 1)
            try await harness.bus.publish(orderMessage(id: "sealed-under-k2"), to: "orders")
            try await harness.waitUntilHandled("orders", group: "billing")
            failing.withLock { $0 = false }
            let replayed = try await DeadLetterQueue(topic: "orders.dead", bus: harness.bus).replay(
                limit: 1
            )
            #expect(replayed.count == 1)
            try await harness.waitUntilHandled("orders", group: "billing")
            clock.advance(by: 3600)
            try await harness.transport.publish(
                try beforeRotation.seal(orderMessage(id: "late-under-k1"), with: .aes256GCM),
                to: "orders"
            )
            try await harness.waitUntilHandled("orders", group: "billing")
        }
        #expect(seen.ids == ["sealed-under-k2", "sealed-under-k1"])
        #expect(seen.all.allSatisfy { $0.payload == orderMessage().payload })
        #expect(
            harness.published(to: "orders").first { $0.id == "sealed-under-k2" }?.extensions[SealAttribute.keyID]
                == "k2"
        )
        let quarantined = harness.published(to: "orders.quarantine")
        #expect(quarantined.map(\.id) == ["late-under-k1"])
        #expect(quarantined.first?.headers[SealAttribute.Quarantine.reason] == "retiredKey")
    }

    @Test func aHandledMessagePublishedAgainIsARefusedReplay() async throws {
        let keys = try testRing(active: .hmacSHA256)
        let policy = SecurityPolicy([.init(topic: "orders", algorithm: .hmacSHA256)])
        let seen = Seen()
        let receiver = SecureReceiver(keys: keys, policy: policy, replays: InMemoryIdempotencyStore())
        let harness = try harness(keys: keys, policy: policy, receiver: receiver, seen: seen)
        try await harness.run {
            let sent = try await harness.bus.publish(orderMessage(), to: "orders")
            try await harness.waitUntilHandled("orders", group: "billing")
            try await harness.transport.publish(sent, to: "orders")
            try await harness.waitUntilHandled("orders", group: "billing")
        }
        #expect(seen.ids == ["order-123458"])
        #expect(
            harness.published(to: "orders.quarantine").map { $0.headers[SealAttribute.Quarantine.reason] } == [
                "replayed"
            ]
        )
        #expect(harness.notifications.map(\.reason) == ["replayed"])
    }

    @Test func aMessageRedeliveredBeforeItsAcknowledgementIsProcessedOnce() async throws {
        let keys = try testRing(active: .chaCha20Poly1305)
        let policy = SecurityPolicy([.init(topic: "orders", algorithm: .chaCha20Poly1305)])
        let receiver = SecureReceiver(keys: keys, policy: policy, replays: InMemoryIdempotencyStore())
        let attempts = Mutex(0)
        let seen = Seen()
        let harness = BusHarness(
            name: "billing",
            middleware: [receiver],
            outgoing: [try SecureSender(keys: keys, policy: policy)]
        )
        try harness.bus.handle(from: "orders", group: "billing") { message, context in
            let attempt = attempts.withLock { count in
                count += 1
                return count
            }
            if attempt == 1 { throw SecurityTestFailure() }
            #expect(context.delivery.attempt == 2)
            seen.append(message)
            return []
        }
        try await harness.run {
            try await harness.bus.publish(orderMessage(), to: "orders")
            try await harness.waitUntilHandled("orders", group: "billing")
        }
        #expect(seen.ids == ["order-123458"])
        #expect(harness.published(to: "orders.quarantine").isEmpty)
        #expect(harness.notifications.allSatisfy { $0.kind != .securityViolation })
    }

    @Test func aValidSignatureFromTheWrongSourceIsUnauthorized() async throws {
        let keys = try testRing(active: .ed25519)
        let policy = SecurityPolicy([.init(topic: "orders", algorithm: .ed25519)])
        let authorization = PublisherAuthorization([.allow("/sales", toPublish: ["sales.order.placed"], on: ["orders"])]
        )
        let seen = Seen()
        let receiver = SecureReceiver(keys: keys, policy: policy, authorization: authorization)
        let harness = try harness(keys: keys, policy: policy, receiver: receiver, seen: seen)
        let sealer = MessageSealer(keys: keys)
        try await harness.run {
            try await harness.transport.publish(
                [
                    try sealer.seal(orderMessage(id: "from-sales", source: "/sales"), with: .ed25519),
                    try sealer.seal(orderMessage(id: "from-billing", source: "/billing"), with: .ed25519),
                ],
                to: "orders"
            )
            try await harness.waitUntilHandled("orders", group: "billing")
        }
        #expect(seen.ids == ["from-sales"])
        let quarantined = harness.published(to: "orders.quarantine")
        #expect(quarantined.map(\.id) == ["from-billing"])
        #expect(quarantined.first?.headers[SealAttribute.Quarantine.reason] == "unauthorized")
    }

    @Test func aKeyBoundToASourceOpensOnlyThatSourcesMessages() async throws {
        let billingKey = try symmetricKey("billing-1", source: "/billing")
        let keys = try KeyRing([billingKey], activeKeyID: "billing-1")
        let policy = SecurityPolicy([.init(topic: "orders", algorithm: .hmacSHA256)])
        let seen = Seen()
        let harness = try harness(keys: keys, policy: policy, seen: seen)
        let sealer = MessageSealer(keys: keys)
        try await harness.run {
            try await harness.transport.publish(
                [
                    try sealer.seal(orderMessage(id: "claims-billing", source: "/billing"), with: .hmacSHA256),
                    try sealer.seal(orderMessage(id: "claims-sales", source: "/sales"), with: .hmacSHA256),
                ],
                to: "orders"
            )
            try await harness.waitUntilHandled("orders", group: "billing")
        }
        #expect(seen.ids == ["claims-billing"])
        #expect(
            harness.published(to: "orders.quarantine").map { $0.headers[SealAttribute.Quarantine.reason] } == [
                "unauthorized"
            ]
        )
    }

    @Test func aMaximumAgeRefusesOldMessagesOnTheInjectedClock() async throws {
        let clock = TestWallClock()
        let keys = try testRing(active: .hmacSHA256)
        let policy = SecurityPolicy([.init(topic: "orders", algorithm: .hmacSHA256)])
        let seen = Seen()
        let receiver = SecureReceiver(keys: keys, policy: policy, maximumAge: .seconds(300), now: clock.reading)
        let harness = try harness(keys: keys, policy: policy, receiver: receiver, seen: seen)
        let sealer = MessageSealer(keys: keys)
        var fresh = orderMessage(id: "fresh")
        fresh.time = clock.now.addingTimeInterval(-299)
        var stale = orderMessage(id: "stale")
        stale.time = clock.now.addingTimeInterval(-301)
        try await harness.run {
            try await harness.transport.publish(
                [try sealer.seal(fresh, with: .hmacSHA256), try sealer.seal(stale, with: .hmacSHA256)],
                to: "orders"
            )
            try await harness.waitUntilHandled("orders", group: "billing")
        }
        #expect(seen.ids == ["fresh"])
        #expect(
            harness.published(to: "orders.quarantine").map { $0.headers[SealAttribute.Quarantine.reason] } == [
                "expired"
            ]
        )
    }

    @Test func aSenderWhosePolicyItsActiveKeyCannotSealFailsAtStart() throws {
        let keys = try testRing(active: .hmacSHA256)
        let error = #expect(throws: SecurityError.self) {
            try SecureSender(keys: keys, policy: SecurityPolicy([.init(algorithm: .ed25519)]))
        }
        #expect(error?.code == .invalidConfiguration)
    }
}

/// A failure a test handler throws on purpose.
struct SecurityTestFailure: Error {}
