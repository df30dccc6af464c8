import Messaging

/// One behaviour of the transport contract that ``TransportConformanceSuite`` checks.
///
/// Every scenario runs on a fresh topic of its own and fails with a ``ConformanceFailure`` if the
/// transport breaks the guarantee it is named after.
public enum ConformanceScenario: String, CaseIterable, Sendable, CustomStringConvertible {
    /// One subscriber receives every message published after it joined.
    case publishSubscribe
    /// Many tasks publish at once; every message arrives exactly once.
    case concurrentPublishers
    /// Several members of one group share the messages: each message to exactly one member.
    case competingConsumers
    /// Several groups on one topic each receive every message.
    case fanOutToGroups
    /// Messages with the same key arrive in the order they were published.
    case orderPerKey
    /// A rejected delivery is delivered again, with its attempt count increased.
    case rejectRedelivers
    /// A delivery rejected without requeue is not delivered again.
    case rejectWithoutRequeueSkips
    /// Deliveries never acknowledged reach the next member after their subscriber closed.
    case unacknowledgedRedeliveredAfterClose
    /// A group that closed and subscribed again continues after its last acknowledged message.
    case resubscribeContinuesWhereLeftOff
    /// Shutting down a publisher keeps every batch whose publish returned.
    case publisherShutdownKeepsAcceptedBatches
    /// Every CloudEvents attribute, the key and the headers arrive unchanged.
    case attributesAndHeadersRoundTrip
    /// A message with no payload bytes arrives with no payload bytes.
    case emptyPayload
    /// A 1 MiB payload arrives byte for byte.
    case largePayload
    /// Arbitrary bytes and Unicode text in payload, key, attributes and headers arrive unchanged.
    case binaryAndUnicodeContent
    /// A new group starting from the earliest message sees messages published before it existed.
    case newGroupFromEarliest
    /// A new group starting from the latest message sees only messages published after it joined.
    case newGroupFromLatest
    /// After shutdown, publish and subscribe fail with `MessagingError.Code.shutDown`.
    case operationsAfterShutdownFail
    /// Shutting a transport down ends its subscriptions' sequences.
    case shutdownEndsSubscriptions
    /// A batch with one bad message is refused whole: nothing of it is published.
    case invalidBatchPublishesNothing
    /// Invalid topic and group names are refused with a typed error.
    case invalidNamesRejected
    /// Settling a delivery a second time fails with `MessagingError.Code.deliveryNotPending`.
    case settlingTwiceFails
    /// 10 000 messages from several publishers to several group members: the count is exact.
    case soak

    public var description: String { rawValue }

    /// The payload size ``largePayload`` sends: 1 MiB.
    public static let largePayloadBytes = 1 << 20

    /// Whether a transport with `capabilities` promises what this scenario checks.
    public func isSupported(by capabilities: TransportCapabilities) -> Bool {
        switch self {
        case .competingConsumers, .fanOutToGroups, .unacknowledgedRedeliveredAfterClose,
            .resubscribeContinuesWhereLeftOff, .soak:
            capabilities.consumerGroups
        case .orderPerKey:
            capabilities.ordersByKey
        case .newGroupFromEarliest, .publisherShutdownKeepsAcceptedBatches:
            capabilities.replaysFromEarliest
        case .largePayload:
            capabilities.maximumMessageBytes >= Self.largePayloadBytes + 1024
        default:
            true
        }
    }
}

/// A transport that broke its contract: what a scenario expected and what it saw.
public struct ConformanceFailure: Error, Sendable, CustomStringConvertible {
    /// The scenario that failed.
    public let scenario: ConformanceScenario
    /// What the transport did wrong.
    public let reason: String
    /// The suite's source file that detected it.
    public let file: String
    /// The suite's source line that detected it.
    public let line: Int

    public var description: String {
        "Conformance scenario '\(scenario)' failed: \(reason) [\(file):\(line)]"
    }
}
