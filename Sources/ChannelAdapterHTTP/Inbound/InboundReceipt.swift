/// What an ``InboundEndpoint`` answers by default once it published a request: the id of the
/// message and the topic it went to — `{"id": "...", "topic": "orders"}`.
public struct InboundReceipt: Codable, Sendable, Hashable {
    /// The id of the published message.
    public var id: String
    /// The topic it was published to.
    public var topic: String

    /// Creates a receipt.
    public init(id: String, topic: String) {
        self.id = id
        self.topic = topic
    }
}
