/// A transport that can tell how far a consumer group is behind on a topic.
///
/// The message bus records this as its `messagebus_consumer_lag` gauge when the transport
/// conforms.
public protocol ConsumerLagReporting: Sendable {
    /// The number of messages of `topic` past `group`'s committed position, or `nil` when the
    /// transport does not know.
    func consumerLag(of group: String, on topic: String) async -> Int?
}
