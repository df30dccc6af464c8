import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Decides, after each try at delivering a message to an external system, whether it is done,
/// worth trying again — and after how long — or to be set aside as a dead letter.
///
/// The rules, from a status code:
/// - **2xx**: delivered.
/// - **408, 429 and 5xx**: retried, after the ``backoff``'s wait for the attempt or the
///   `Retry-After` the system asked for, whichever is longer.
/// - **Any other status** (other 4xx, and 1xx or 3xx that reach the policy): dead-lettered with
///   ``ChannelAdapterError/Code/rejected``, not retried: the same request gets the same answer.
///
/// From an error instead of an answer: a `ClassifiedError` is retried if it says it is
/// retriable and dead-lettered otherwise; any other error — a connection refused or reset, a
/// name that did not resolve — is retried.
///
/// A retry becomes a dead letter with ``ChannelAdapterError/Code/retriesExhausted`` once
/// ``maximumAttempts`` tries have failed, or when the wait would exceed ``maximumDelay``.
///
/// ```swift
/// let policy = DeliveryPolicy(maximumAttempts: 5)
/// switch policy.decision(statusCode: 503, retryAfter: "2", attempt: 1) {
/// case .delivered: break
/// case .retry(let delay): print("again in", delay)  // at least 2 seconds
/// case .deadLetter(let error): print("set aside:", error.reason)
/// }
/// ```
public struct DeliveryPolicy: Sendable {
    /// How many tries a message gets, the first included. Default: 8.
    public var maximumAttempts: Int
    /// The waits between tries when the system names none. Default: from 1 s, doubling, up to
    /// 60 s, ± 20 %.
    public var backoff: Backoff
    /// The longest wait before a retry, `Retry-After` included: a system that asks for longer
    /// gets the message as a dead letter instead of holding up the messages behind it.
    /// Default: 10 minutes.
    public var maximumDelay: Duration

    /// Creates a policy.
    ///
    /// - Parameters:
    ///   - maximumAttempts: How many tries a message gets; at least 1. Default: 8.
    ///   - backoff: The waits between tries. Default: from 1 s, doubling, up to 60 s, ± 20 %.
    ///   - maximumDelay: The longest wait before a retry. Default: 10 minutes.
    public init(
        maximumAttempts: Int = 8,
        backoff: Backoff = Backoff(),
        maximumDelay: Duration = .seconds(600)
    ) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.backoff = backoff
        self.maximumDelay = maximumDelay
    }

    /// Whether a status code is worth retrying: 408, 429 and every 5xx.
    public static func isRetriable(statusCode: Int) -> Bool {
        statusCode == 408 || statusCode == 429 || (500...599).contains(statusCode)
    }

    /// The decision after try `attempt` (1 for the first) was answered with `statusCode`.
    ///
    /// - Parameters:
    ///   - statusCode: The answer's HTTP status code.
    ///   - retryAfter: The answer's `Retry-After` header, if any: seconds or an HTTP date.
    ///     Ignored unless the status is retried; unreadable values are ignored.
    ///   - attempt: Which try this was, 1 for the first.
    ///   - now: The current time, for a `Retry-After` that is a date. Default: now.
    public func decision(statusCode: Int, retryAfter: String? = nil, attempt: Int, now: Date = Date())
        -> DeliveryDecision
    {
        if (200...299).contains(statusCode) {
            return .delivered
        }
        guard Self.isRetriable(statusCode: statusCode) else {
            return .deadLetter(
                ChannelAdapterError(
                    .rejected,
                    "The system answered \(statusCode), which trying again cannot change.",
                    isRetriable: false,
                    statusCode: statusCode
                )
            )
        }
        let asked = retryAfter.flatMap { RetryAfter.delay(from: $0, now: now) }
        return retry(after: attempt, asked: asked, cause: "answered \(statusCode)", statusCode: statusCode)
    }

    /// The decision after try `attempt` (1 for the first) failed with `error` instead of an
    /// answer.
    ///
    /// A ``ChannelAdapterError`` that is not retriable is dead-lettered as it is, keeping its
    /// code; any other error that says it is not retriable becomes a `rejected` one.
    /// Cancellation is not a failed delivery: rethrow a `CancellationError` rather than ask.
    public func decision(error: any Error, attempt: Int) -> DeliveryDecision {
        if let error = error as? ChannelAdapterError, !error.isRetriable {
            return .deadLetter(error)
        }
        if let classified = error as? any ClassifiedError, !classified.isRetriable {
            return .deadLetter(
                ChannelAdapterError(
                    .rejected,
                    "Delivering failed with an error that trying again cannot change: \(error)",
                    isRetriable: false,
                    underlying: error
                )
            )
        }
        return retry(after: attempt, asked: nil, cause: "failed: \(error)", statusCode: nil, underlying: error)
    }

    private func retry(
        after attempt: Int,
        asked: Duration?,
        cause: String,
        statusCode: Int?,
        underlying: (any Error)? = nil
    ) -> DeliveryDecision {
        guard attempt < maximumAttempts else {
            return .deadLetter(
                ChannelAdapterError(
                    .retriesExhausted,
                    "Gave up after \(attempt) tries; the last \(cause).",
                    isRetriable: false,
                    statusCode: statusCode,
                    underlying: underlying
                )
            )
        }
        let delay = max(backoff.delay(after: attempt), asked ?? .zero)
        guard delay <= maximumDelay else {
            return .deadLetter(
                ChannelAdapterError(
                    .retriesExhausted,
                    "The system asked to wait \(delay) before trying again, longer than the \(maximumDelay) allowed; "
                        + "the last try \(cause).",
                    isRetriable: false,
                    statusCode: statusCode,
                    underlying: underlying
                )
            )
        }
        return .retry(after: delay)
    }
}
