/// An error that says what kind of failure it is and whether trying again can help.
///
/// Middleware that decides what to do with a failure — retry it, set the message aside, tell
/// someone — reads these two properties instead of matching concrete error types, so an error
/// type of any module, your own included, takes part by conforming:
///
/// ```swift
/// struct PaymentDeclined: ClassifiedError {
///     var codeName: String { "paymentDeclined" }
///     var isRetriable: Bool { false }
/// }
/// ```
///
/// ``MessagingError`` conforms, and so does every error type of the package's other modules.
/// `CancellationError` conforms too: it is named `cancelled` and is never retriable.
public protocol ClassifiedError: Error {
    /// A short name for the kind of failure that stays the same across releases, such as
    /// `timedOut` or `decodingFailed`: what logs, dead-letter headers and notifications record.
    var codeName: String { get }
    /// Whether the same operation, tried again unchanged, may succeed.
    var isRetriable: Bool { get }
}

extension MessagingError: ClassifiedError {
    /// The name of the error's ``code``.
    public var codeName: String { code.name }
}

extension CancellationError: ClassifiedError {
    /// `cancelled`.
    public var codeName: String { "cancelled" }
    /// Never: the work was called off, not failed.
    public var isRetriable: Bool { false }
}
