#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension Message {
    /// Creates a message whose payload is `value`, encoded by `codec`.
    ///
    /// ```swift
    /// let message = try Message(encoding: order, type: "com.example.order.placed", key: order.id)
    /// ```
    ///
    /// - Parameters:
    ///   - value: The value to carry.
    ///   - type: The event type. Default: the name of `Value`.
    ///   - key: The partition key. Default: `nil`.
    ///   - codec: How to encode `value`; also sets ``dataContentType``. Default: JSON.
    /// - Throws: ``MessagingError`` with code ``MessagingError/Code/encodingFailed``.
    public init<Value: Encodable>(
        encoding value: Value,
        type: String = String(describing: Value.self),
        key: String? = nil,
        codec: some MessageCodec = .json
    ) throws(MessagingError) {
        self.init(type: type, dataContentType: codec.contentType, key: key, payload: try codec.encode(value))
    }

    /// Decodes the payload as a `Value`.
    ///
    /// - Throws: ``MessagingError`` with code ``MessagingError/Code/decodingFailed`` naming the
    ///   message, the type and the field that did not fit.
    public func decode<Value: Decodable>(
        _ type: Value.Type = Value.self,
        codec: some MessageCodec = .json
    ) throws(MessagingError) -> Value {
        do {
            return try codec.decode(type, from: payload)
        } catch {
            var named = error
            named.reason = "Message \(id) of type '\(self.type)': \(error.reason)"
            throw named
        }
    }
}

extension Delivery {
    /// Decodes the delivered message's payload as a `Value`.
    ///
    /// ```swift
    /// let order = try delivery.decode(Order.self)
    /// ```
    public func decode<Value: Decodable>(
        _ type: Value.Type = Value.self,
        codec: some MessageCodec = .json
    ) throws(MessagingError) -> Value {
        try message.decode(type, codec: codec)
    }
}

extension MessagePublisher {
    /// Encodes `value` and publishes it to `topic`; returns when it is durable.
    ///
    /// ```swift
    /// try await transport.publish(order, to: "orders", key: order.id)
    /// ```
    ///
    /// - Parameters:
    ///   - value: The value to publish.
    ///   - topic: The topic to publish to.
    ///   - type: The event type. Default: the name of `Value`.
    ///   - key: The partition key. Default: `nil`.
    ///   - codec: How to encode `value`. Default: JSON.
    /// - Returns: The message that was published, with its id.
    @discardableResult
    public func publish<Value: Encodable>(
        _ value: Value,
        to topic: String,
        type: String = String(describing: Value.self),
        key: String? = nil,
        codec: some MessageCodec = .json
    ) async throws -> Message {
        let message = try Message(encoding: value, type: type, key: key, codec: codec)
        try await publish([message], to: topic)
        return message
    }
}
