import MessageBus

/// A request that one handler changes something, sent over the transport and answered with a
/// typed ``Result``.
///
/// A command is a `BusMessage` whose `messageType` is its
/// stable type name, such as `rules.create-rule`: it names the topic the command travels on and
/// the one handler that handles it. Its ``commandID`` makes it idempotent: the sender picks it
/// (a client's request id, a UUID), and sending the same id again returns the first answer
/// without handling it again.
///
/// ```swift
/// struct CreateRule: Command {
///     typealias Result = Int
///     static let messageType = "rules.create-rule"
///     var commandID: String
///     var name: String
/// }
/// ```
public protocol Command: BusMessage {
    /// What the handler answers with.
    associatedtype Result: Codable & Sendable
    /// The id that makes the command idempotent: the same id is handled once.
    var commandID: String { get }
    /// Throws ``CQRSError/invalid(_:_:file:line:)`` when the command breaks a rule of its type.
    /// The receiving side calls it before the handler; the sender gets the error back, typed.
    /// Default: accepts every command.
    func validate() throws(CQRSError)
}

extension Command {
    /// Commands are `command` messages.
    public static var kind: BusMessageKind { .command }
    /// The command id, so that repeats of one command are handled in order, one after another.
    public var partitionKey: String? { commandID }
    /// Accepts every command.
    public func validate() throws(CQRSError) {}
}
