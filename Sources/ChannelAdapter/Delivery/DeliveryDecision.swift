/// What to do with a message after one try at delivering it to an external system.
public enum DeliveryDecision: Sendable {
    /// The system took the message: acknowledge it.
    case delivered
    /// The try failed in a way that may pass: try again after the wait.
    case retry(after: Duration)
    /// The system refused the message for good, or the tries ran out: set it aside on the
    /// dead-letter topic with the error as its reason, and do not try again.
    case deadLetter(ChannelAdapterError)

    /// The wait before the next try, when the decision is to retry.
    public var retryDelay: Duration? {
        if case .retry(let delay) = self { delay } else { nil }
    }

    /// The reason, when the decision is to dead-letter.
    public var deadLetterError: ChannelAdapterError? {
        if case .deadLetter(let error) = self { error } else { nil }
    }
}
