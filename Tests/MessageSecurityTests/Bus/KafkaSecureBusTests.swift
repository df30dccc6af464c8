import Crypto
import Foundation
import KafkaTransport
import MessageBus
import MessageSecurity
import Messaging
import Synchronization
import Testing

@Suite("Secure bus on a Kafka mock cluster")
struct KafkaSecureBusTests {
    /// One message of each algorithm, sealed by two sender links (one ring has an active
    /// symmetric key, the other an active Ed25519 key), travels through Kafka's binary binding
    /// and is opened; a plain consumer of the topic sees ciphertext where the order was encrypted.
    @Test func everyAlgorithmRoundTripsThroughKafka() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let transport = try KafkaTransport(configuration: cluster.clientConfiguration)
        let shared = try symmetricKey("shared-1")
        let signing = try SecurityKey(id: "signing-1", signingKey: Curve25519.Signing.PrivateKey())
        let symmetricRing = try KeyRing([shared, signing], activeKeyID: "shared-1")
        let signingRing = try KeyRing([shared, signing], activeKeyID: "signing-1")
        let policy = SecurityPolicy(SealAlgorithm.allCases.map { .init(type: "order.\($0.rawValue)", algorithm: $0) })
        let signingPolicy = SecurityPolicy([.init(type: "order.ed25519", algorithm: .ed25519)])
        let symmetricPolicy = SecurityPolicy(policy.rules.filter { $0.algorithm != .ed25519 })
        let bus = Bus(
            transport: transport,
            name: "sales",
            middleware: [SecureReceiver(keys: symmetricRing, policy: policy)],
            outgoing: [
                try SecureSender(keys: signingRing, policy: signingPolicy),
                try SecureSender(keys: symmetricRing, policy: symmetricPolicy),
            ]
        )
        let seen = Seen()
        try bus.handle(from: "orders", group: "billing") { message, _ in
            seen.append(message)
            return []
        }
        try await withRunningServices([transport, bus], logger: bus.logger) {
            try await bus.waitUntilRunning()
            let raw = try await transport.subscribe(
                to: "orders",
                group: "raw",
                options: SubscriptionOptions(startPosition: .earliest)
            )
            for algorithm in SealAlgorithm.allCases {
                var order = orderMessage(id: "order-\(algorithm.rawValue)")
                order.type = "order.\(algorithm.rawValue)"
                try await bus.publish(order, to: "orders")
            }
            try await eventually("the handler saw all four orders", timeout: .seconds(60)) { seen.all.count == 4 }
            let read = try await withDeadline({ try await Task.sleep(for: .seconds(60)) }) {
                var read: [String: Message] = [:]
                for try await delivery in raw {
                    read[delivery.message.id] = delivery.message
                    if read.count == 4 { break }
                }
                return read
            }
            await raw.close()
            let onTheWire = try #require(read, "a plain consumer did not read the four orders")
            for algorithm in SealAlgorithm.allCases {
                let wire = try #require(onTheWire["order-\(algorithm.rawValue)"])
                #expect(wire.extensions[SealAttribute.algorithm] == algorithm.rawValue)
                let readable = String(decoding: wire.payload, as: UTF8.self).contains("Laptop")
                #expect(readable == !algorithm.encrypts, "\(algorithm) on Kafka")
            }
        }
        #expect(Set(seen.ids) == Set(SealAlgorithm.allCases.map { "order-\($0.rawValue)" }))
        #expect(
            seen.all.allSatisfy { $0.payload == orderMessage().payload && $0.dataContentType == "application/json" }
        )
        withExtendedLifetime(cluster) {}
    }
}
