/// One behaviour of the `SubscriptionStore` contract that ``SubscriptionStoreConformanceSuite``
/// checks.
public enum SubscriptionStoreScenario: String, CaseIterable, Sendable, CustomStringConvertible {
    /// A registered subscription is found by id and listed exactly as it was given; an unknown
    /// id is found as `nil`.
    case registeredSubscriptionsAreKeptExactly
    /// A list holds every subscription, enabled or not, oldest first.
    case listIsOldestFirst
    /// Looking up an event type finds the enabled subscriptions of that type and those of every
    /// type (`*`), and no other.
    case eventTypesSelectSubscriptions
    /// Registering an id that is taken throws `duplicateSubscription` and keeps the first.
    case duplicateIDsAreRefused
    /// A subscription without an id, URL or event type is refused with `invalidConfiguration`.
    case incompleteSubscriptionsAreRefused
    /// A disabled subscription is kept, with its reason and time, but no event type finds it.
    case disabledSubscriptionsGetNoEvents
    /// A deleted subscription is gone; deleting or disabling an unknown id throws
    /// `subscriptionNotFound`.
    case deletionRemovesAndUnknownIDsThrow
    /// A store opened again on the same storage holds the same subscriptions, disabled ones
    /// included.
    case subscriptionsOutliveTheStore

    /// The scenario's name.
    public var description: String { rawValue }
}
