import MessageBus
import Messaging
import Metrics

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Receiving middleware that lets through only messages that pass every security check, opened:
/// verified, and decrypted if they were encrypted.
///
/// In order, a message must:
/// 1. carry the seal its ``SecurityPolicy`` requires for its topic and type (otherwise
///    `unsigned` or `unencrypted`), and a seal it carries must check out under a key of the
///    ring (otherwise `tampered`, `unknownKey` or `retiredKey`);
/// 2. claim the source its key is bound to, if it is (see ``SecurityKey/source``), and be
///    permitted by the ``PublisherAuthorization``, if there is one (otherwise `unauthorized`);
/// 3. be younger than the maximum age, if there is one (otherwise `expired`);
/// 4. not have been handled successfully before, if there is a replay store (otherwise
///    `replayed`).
///
/// A message that fails never reaches the handler. It is published, as it arrived, to the
/// quarantine topic (by default `<topic>.quarantine`) with the headers of
/// ``SealAttribute/Quarantine`` saying why; it is counted in `messagesecurity_rejected_total`
/// with the dimension `reason`, in the bus's metrics factory; the bus's notifier hears of it
/// as `securityViolation`; and it is acknowledged, so it is
/// not delivered again. If publishing to the quarantine topic fails, that error is thrown and
/// the message is rejected for redelivery instead: it is never dropped.
///
/// Replay protection records the id of each message handled successfully, after its output
/// was published, in the `IdempotencyStore`: a message that comes back later
/// with the same source and id is refused. A message delivered again before it was
/// acknowledged — after a crash — is handled again if it was not recorded, and acknowledged
/// quietly, without the handler, if it was: the transport, not an attacker, sent it again.
///
/// Place it inside a `DeadLetterChannel` and outside `Retry` and `IdempotentReceiver`: retries
/// and idempotency then see opened messages, and a message the dead-letter channel sets aside
/// is not recorded as handled, so its replay from the dead-letter topic is accepted. (A
/// dead-letter channel inside it hides the failure, so the message counts as handled.) A dead
/// letter keeps the seal it arrived with.
public struct SecureReceiver: MessageMiddleware {
    /// The name of the counter of refused messages.
    public static let rejectedCounterLabel = "messagesecurity_rejected_total"

    private let sealer: MessageSealer
    private let policy: SecurityPolicy
    private let authorization: PublisherAuthorization?
    private let replays: (any IdempotencyStore)?
    private let replayRetention: Duration
    private let maximumAge: Duration?
    private let quarantineTopic: String?
    private let now: @Sendable () -> Date

    /// Creates a receiver.
    ///
    /// - Parameters:
    ///   - keys: The key ring whose keys open messages until they retire.
    ///   - policy: Which messages must be sealed, and with which algorithm. Default: none must
    ///     be, but a seal a message carries is checked.
    ///   - authorization: Which sources may publish which types on which topics; `nil` to
    ///     permit every source. Default: `nil`.
    ///   - replays: Where the ids of handled messages are recorded; `nil` for no replay
    ///     protection. Default: `nil`.
    ///   - replayRetention: How long a handled message's id is remembered. Default: 7 days.
    ///   - maximumAge: The oldest message accepted, by its authenticated `time`; a message
    ///     without a time is then refused. `nil` accepts any age, as a consumer may lag by
    ///     hours. Default: `nil`.
    ///   - quarantineTopic: Where refused messages go; `nil` for `<topic>.quarantine`. Default: `nil`.
    ///   - now: The wall clock for retirement dates and the maximum age. Default: the system's.
    public init(
        keys: KeyRing,
        policy: SecurityPolicy = SecurityPolicy([]),
        authorization: PublisherAuthorization? = nil,
        replays: (any IdempotencyStore)? = nil,
        replayRetention: Duration = .seconds(7 * 24 * 60 * 60),
        maximumAge: Duration? = nil,
        quarantineTopic: String? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.sealer = MessageSealer(keys: keys, now: now)
        self.policy = policy
        self.authorization = authorization
        self.replays = replays
        self.replayRetention = replayRetention
        self.maximumAge = maximumAge
        self.quarantineTopic = quarantineTopic
        self.now = now
    }

    /// Checks `message`; passes it on opened, or quarantines it and returns no messages.
    nonisolated(nonsending) public func handle(_ message: Message, context: HandlerContext, next: NextHandler)
        async throws -> [OutgoingMessage]
    {
        let opened: Message
        do {
            opened = try check(message, topic: context.topic)
        } catch {
            try await refuse(message, because: error, context: context)
            return []
        }
        if let replays {
            let key = IdempotencyKey("messagesecurity/\(context.group)/\(opened.source)/\(opened.id)")
            if try await replays.contains(key) {
                if context.delivery.attempt > 1 {
                    context.logger.debug("Redelivered message handled already; acknowledged")
                    return []
                }
                let error = SecurityError(
                    .replayed,
                    "Message \(opened.id) from '\(opened.source)' was handled already by group '\(context.group)'."
                )
                try await refuse(message, because: error, context: context)
                return []
            }
            let output = try await next(opened, context)
            // Registered once the rest of the chain succeeded, so that a failed handling is not
            // recorded; it runs after the output is published.
            let retention = replayRetention
            context.onSuccess {
                try await replays.insert(key, retention: retention)
            }
            return output
        }
        return try await next(opened, context)
    }

    // MARK: - Checking

    /// `message` opened, if it passes every check but the replay check.
    private func check(_ message: Message, topic: String) throws(SecurityError) -> Message {
        let required = policy.algorithm(topic: topic, type: message.type)
        var opened = message
        var authenticated = false
        if MessageSealer.isSealed(message) {
            let result = try sealer.open(message)
            if let required, result.algorithm != required {
                throw SecurityError(
                    required.encrypts ? .unencrypted : .unsigned,
                    "Message \(message.id) on '\(topic)' is sealed with \(result.algorithm); the policy requires \(required)."
                )
            }
            if let bound = result.key.source, bound != message.source {
                throw SecurityError(
                    .unauthorized,
                    "Message \(message.id) claims the source '\(message.source)', but its key '\(result.key.id)' belongs to '\(bound)'."
                )
            }
            opened = result.message
            authenticated = true
        } else if let required {
            throw SecurityError(
                required.encrypts ? .unencrypted : .unsigned,
                "Message \(message.id) on '\(topic)' carries no seal; the policy requires \(required)."
            )
        }
        if let authorization {
            guard authenticated else {
                throw SecurityError(
                    .unauthorized,
                    "Message \(message.id) on '\(topic)' carries no seal, so its source '\(message.source)' is not authenticated."
                )
            }
            guard authorization.permits(source: message.source, type: message.type, topic: topic) else {
                throw SecurityError(
                    .unauthorized,
                    "Source '\(message.source)' may not publish '\(message.type)' on '\(topic)' (message \(message.id))."
                )
            }
        }
        if let maximumAge {
            guard let time = message.time else {
                throw SecurityError(.expired, "Message \(message.id) has no time, so its age cannot be checked.")
            }
            let age = now().timeIntervalSince(time)
            let limit = Double(maximumAge.components.seconds) + Double(maximumAge.components.attoseconds) / 1e18
            guard age <= limit else {
                throw SecurityError(
                    .expired,
                    "Message \(message.id) is \(Int(age)) s old; the receiver accepts at most \(maximumAge)."
                )
            }
        }
        return opened
    }

    // MARK: - Refusing

    /// Quarantines `message` as it arrived, counts, logs and notifies `error`.
    nonisolated(nonsending) private func refuse(
        _ message: Message,
        because error: SecurityError,
        context: HandlerContext
    )
        async throws
    {
        let topic = quarantineTopic ?? "\(context.topic).quarantine"
        var quarantined = context.delivery.message
        quarantined.headers[SealAttribute.Quarantine.reason] = error.codeName
        quarantined.headers[SealAttribute.Quarantine.error] = error.reason
        quarantined.headers[SealAttribute.Quarantine.sourceTopic] = context.topic
        try await context.publish(quarantined, to: topic)
        Counter(
            label: Self.rejectedCounterLabel,
            dimensions: [("reason", error.codeName)],
            factory: context.metricsFactory
        ).increment()
        context.logger.warning(
            "Message refused by a security check and quarantined",
            metadata: ["reason": "\(error.codeName)", "quarantine-topic": "\(topic)", "error": "\(error.reason)"]
        )
        await context.notify(
            BusNotification(
                .securityViolation,
                summary:
                    "Message \(message.id) from '\(context.topic)' was refused (\(error.codeName)) and quarantined to '\(topic)': \(error.reason)",
                context: context,
                error: error
            )
        )
    }
}
