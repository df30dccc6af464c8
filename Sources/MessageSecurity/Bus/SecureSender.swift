import MessageBus
import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The link of a bus's outgoing pipeline that seals what the bus sends, as its
/// ``SecurityPolicy`` says.
///
/// Each message a rule of the policy matches (by the topic it goes to and its type) is sealed
/// under the key ring's active key; the others pass unchanged. So do messages forwarded as they
/// arrived: ones sealed already, dead letters and quarantined messages, which keep the seal —
/// or the lack of one — they came with, so that a replay is checked as the original was.
///
/// ```swift
/// let keys = try KeyRing.load(file: "keys.json")
/// let policy = SecurityPolicy([.init(topic: "orders", algorithm: .aes256GCM)])
/// let bus = Bus(
///     transport: transport,
///     middleware: [SecureReceiver(keys: keys, policy: policy)],
///     outgoing: [try SecureSender(keys: keys, policy: policy)]
/// )
/// ```
public struct SecureSender: OutgoingMiddleware {
    private let sealer: MessageSealer
    private let policy: SecurityPolicy

    /// A sender that seals as `policy` says, under the active key of `keys`.
    ///
    /// - Parameters:
    ///   - keys: The key ring; its active key seals.
    ///   - policy: Which messages are sealed, with which algorithm.
    ///   - now: The wall clock the active key's retirement date is compared with. Default: the
    ///     system's.
    /// - Throws: ``SecurityError/Code/invalidConfiguration`` when `policy` names an algorithm the
    ///   active key cannot seal with, or the ring has no active key.
    public init(
        keys: KeyRing,
        policy: SecurityPolicy,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws(SecurityError) {
        for rule in policy.rules {
            guard let key = keys.activeKey else {
                throw SecurityError(
                    .invalidConfiguration,
                    "The policy seals with \(rule.algorithm), but the key ring has no active key."
                )
            }
            guard key.canSeal(rule.algorithm) else {
                throw SecurityError(
                    .invalidConfiguration,
                    "The policy seals with \(rule.algorithm), which the active key '\(key.id)', a \(key.kind.rawValue) key, cannot do."
                )
            }
        }
        self.sealer = MessageSealer(keys: keys, now: now)
        self.policy = policy
    }

    /// Seals the messages the policy matches, then calls `next`.
    ///
    /// - Throws: What ``MessageSealer/seal(_:with:)`` throws, such as
    ///   ``SecurityError/Code/retiredKey`` once the active key has retired; nothing of the batch is
    ///   sent then.
    nonisolated(nonsending) public func publish(
        _ messages: [Message],
        to topic: String,
        context: OutgoingContext,
        next: NextPublisher
    ) async throws -> [Message] {
        var messages = messages
        for index in messages.indices {
            let message = messages[index]
            guard !Self.isForwarded(message), let algorithm = policy.algorithm(topic: topic, type: message.type) else {
                continue
            }
            messages[index] = try sealer.seal(message, with: algorithm)
        }
        return try await next(messages, topic, context)
    }

    /// Whether `message` is sent on as it arrived: sealed already, a dead letter or quarantined.
    private static func isForwarded(_ message: Message) -> Bool {
        MessageSealer.isSealed(message) || message.headers[MessageHeader.DeadLetter.reason] != nil
            || message.headers[SealAttribute.Quarantine.reason] != nil
    }
}
