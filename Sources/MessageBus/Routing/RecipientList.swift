import Messaging

/// Forwards each message to every topic of a list, fixed or computed from the message.
public struct RecipientList: MessageHandler {
    private let recipients: @Sendable (Message) throws -> [String]

    /// Forwards every message to each of `topics`.
    public init(_ topics: [String]) {
        self.recipients = { _ in topics }
    }

    /// Forwards each message to the topics `recipients` returns for it; none acknowledges it
    /// without forwarding.
    public init(recipients: @escaping @Sendable (Message) throws -> [String]) {
        self.recipients = recipients
    }

    /// Forwards `message` to each recipient topic, once per distinct topic.
    nonisolated(nonsending) public func handle(_ message: Message, context: HandlerContext) async throws
        -> [OutgoingMessage]
    {
        var seen = Set<String>()
        return try recipients(message).filter { seen.insert($0).inserted }.map { OutgoingMessage(message, to: $0) }
    }
}
