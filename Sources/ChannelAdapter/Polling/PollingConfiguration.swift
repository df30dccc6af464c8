#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// How a ``PollingAdapter`` names its cursor and messages, where it publishes, and how long it
/// waits between polls.
public struct PollingConfiguration: Sendable {
    /// The adapter's name: the name of its cursor in the ``CursorStore``, the prefix of the ids
    /// of the messages it publishes, and the `adapter` label of its metrics. Instances of one
    /// application that share a cursor share a name.
    public var name: String
    /// The topic the adapter publishes items to.
    public var topic: String
    /// The waits after polls that found nothing: the first after one empty poll, longer after
    /// each further one, back to none once a poll finds items. Default: from 1 s, doubling, up
    /// to 30 s, without jitter.
    public var idleBackoff: Backoff
    /// The waits after polls that failed: the first after one failure, longer after each further
    /// one, back to none once a poll succeeds. Default: from 1 s, doubling, up to 5 minutes,
    /// varied by ± 20 %.
    public var failureBackoff: Backoff
    /// How long an instance keeps the right to poll once it took it, unless it polls again
    /// meanwhile; `nil` to poll without a lease. Default: 30 s.
    ///
    /// With a lease, instances sharing the cursor take turns through the ``CursorStore``: the
    /// instance that holds the lease — the cursor `<name>/lease` — polls, the others stand by
    /// until it lapses, so two live instances do not publish the same page. An instance renews
    /// the lease at every poll and gives it up on graceful shutdown; one that dies holds it
    /// until it lapses. Keep it longer than a poll takes, and than the clocks of the instances
    /// differ.
    public var lease: Duration?
    /// This instance's name in the lease. Default: a new random UUID.
    public var instance: String
    /// How many polls in a row must fail before the adapter raises a
    /// `BusNotification.Kind.pollingFailed` notification through the bus's notifier; a failure
    /// that is not retriable raises it at once. It is raised once per outage, and a
    /// `pollingRecovered` follows the next successful poll. Default: 3.
    public var failuresBeforeNotifying: Int

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - name: The adapter's name; not empty, without `/`.
    ///   - topic: The topic items are published to.
    ///   - idleBackoff: The waits after polls that found nothing. Default: from 1 s, doubling,
    ///     up to 30 s, without jitter.
    ///   - failureBackoff: The waits after polls that failed. Default: from 1 s, doubling, up to
    ///     5 minutes, ± 20 %.
    ///   - lease: How long an instance keeps the right to poll; `nil` for no lease. Default: 30 s.
    ///   - instance: This instance's name in the lease. Default: a new random UUID.
    ///   - failuresBeforeNotifying: How many polls in a row must fail before the adapter
    ///     notifies; at least 1. Default: 3.
    public init(
        name: String,
        topic: String,
        idleBackoff: Backoff = Backoff(initial: .seconds(1), maximum: .seconds(30), jitter: 0),
        failureBackoff: Backoff = Backoff(initial: .seconds(1), maximum: .seconds(300)),
        lease: Duration? = .seconds(30),
        instance: String = UUID().uuidString,
        failuresBeforeNotifying: Int = 3
    ) {
        self.name = name
        self.topic = topic
        self.idleBackoff = idleBackoff
        self.failureBackoff = failureBackoff
        self.lease = lease
        self.instance = instance
        self.failuresBeforeNotifying = failuresBeforeNotifying
    }

    /// The name of the cursor that records the lease: `<name>/lease`, which no adapter's own
    /// cursor can take, as names hold no `/`.
    var leaseName: String {
        "\(name)/lease"
    }

    /// The id of the message that carries the item of identity `identity`: `<name>/<identity>`.
    ///
    /// The same item gets the same id at every poll and on every instance, so an
    /// `IdempotentReceiver` downstream handles an item published twice — after a crash before
    /// the cursor was committed, or by two instances racing on one cursor — once. As ``name``
    /// holds no `/`, two different pairs of name and identity never make the same id.
    public func messageID(for identity: String) -> String {
        "\(name)/\(identity)"
    }

    /// Throws unless the name and topic are usable.
    func validate() throws(ChannelAdapterError) {
        guard !name.isEmpty, !name.contains("/") else {
            throw ChannelAdapterError(
                .invalidConfiguration,
                "The adapter name '\(name)' must be non-empty and hold no '/': it prefixes message ids.",
                adapter: name
            )
        }
        if let lease, lease <= .zero {
            throw ChannelAdapterError(.invalidConfiguration, "The lease must be longer than zero.", adapter: name)
        }
        guard !topic.isEmpty else {
            throw ChannelAdapterError(.invalidConfiguration, "The adapter has no topic to publish to.", adapter: name)
        }
        guard failuresBeforeNotifying >= 1 else {
            throw ChannelAdapterError(
                .invalidConfiguration,
                "failuresBeforeNotifying is \(failuresBeforeNotifying); it must be at least 1.",
                adapter: name
            )
        }
    }
}
