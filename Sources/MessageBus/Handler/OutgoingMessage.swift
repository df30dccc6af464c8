import Messaging

/// A message a handler produces, with the topic it goes to.
///
/// The bus publishes a handler's outgoing messages after the handler returns and before it
/// acknowledges the handled message. Messages for the same topic are published as one batch,
/// in the order the handler returned them.
public struct OutgoingMessage: Sendable {
    /// The topic the message is published to.
    public var topic: String
    /// The message.
    public var message: Message

    /// A message for `topic`.
    public init(_ message: Message, to topic: String) {
        self.topic = topic
        self.message = message
    }

    /// A typed message for `topic`, encoded with `codec`; see ``BusMessage``.
    public init<Value: BusMessage>(
        _ value: Value,
        to topic: String,
        codec: some MessageCodec = .json
    ) throws(MessagingError) {
        self.init(try Message(value, codec: codec), to: topic)
    }
}
