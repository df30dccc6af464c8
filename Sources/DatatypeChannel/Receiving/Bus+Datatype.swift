import MessageBus
import Messaging
import Metrics

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

// MARK: - Sending

extension Bus {
    /// Sends `value` on `channel`, through the outgoing pipeline, and returns the message as
    /// published.
    ///
    /// - Throws: ``DatatypeError`` if the value is invalid or too large, and nothing is
    ///   published; otherwise what publishing throws.
    @discardableResult
    public func send<Payload>(_ value: Payload, on channel: TypedChannel<Payload>) async throws -> Message {
        try await publish(channel.message(value), to: channel.topic)
    }

    /// Sends input given as bytes and a media type to the channel of `catalog` named `name`,
    /// once the channel's checks passed, and returns the message as published.
    ///
    /// - Throws: ``DatatypeError`` if the input is refused, and nothing is published; otherwise
    ///   what publishing throws. See ``ChannelCatalog/message(forChannel:payload:contentType:)``.
    @discardableResult
    public func send(
        _ payload: Data,
        contentType: String?,
        toChannel name: String,
        in catalog: ChannelCatalog
    ) async throws -> Message {
        let outgoing = try catalog.message(forChannel: name, payload: payload, contentType: contentType)
        return try await publish(outgoing.message, to: outgoing.topic)
    }
}

extension HandlerContext {
    /// Sends `value` on `channel` now, through the bus's outgoing pipeline, and returns the
    /// message as published; see `HandlerContext.publish(_:to:)`.
    @discardableResult
    nonisolated(nonsending) public func send<Payload>(_ value: Payload, on channel: TypedChannel<Payload>)
        async throws -> Message
    {
        try await publish(channel.message(value), to: channel.topic)
    }
}

extension OutgoingMessage {
    /// `value` for `channel`, for a handler to return.
    ///
    /// - Throws: ``DatatypeError`` if the value is invalid or too large.
    public init<Payload>(_ value: Payload, on channel: TypedChannel<Payload>) throws(DatatypeError) {
        self.init(try channel.message(value), to: channel.topic)
    }
}

// MARK: - Receiving

extension Bus {
    /// Registers a handler that receives the values of `channel`, as a member of consumer
    /// group `group`, and returns the messages it produces.
    ///
    /// Each message is read with ``TypedChannel/value(of:)``. One that is not of the channel's
    /// type never reaches `body`: it is published, as it arrived, to the channel's
    /// ``TypedChannel/invalidTopic`` with the ``InvalidMessageHeader`` headers; the notifier is
    /// told with a `BusNotification.Kind.invalidMessage` notification naming the channel, the
    /// reason and the message id; the counter `datatype_invalid_total{channel,reason}` goes up;
    /// and the message is acknowledged, so its partition moves on. If publishing to the invalid
    /// topic fails, the message is rejected for redelivery instead: it is never dropped.
    ///
    /// See `Bus.handle(from:group:name:options:middleware:handler:)` for the other parameters.
    public func handle<Payload>(
        _ channel: TypedChannel<Payload>,
        group: String,
        name: String? = nil,
        options: HandlerOptions = HandlerOptions(),
        middleware: [any MessageMiddleware] = [],
        _ body: nonisolated(nonsending) @escaping @Sendable (Payload, HandlerContext) async throws -> [OutgoingMessage]
    ) throws(MessageBusError) {
        try handle(from: channel.topic, group: group, name: name, options: options, middleware: middleware) {
            message,
            context in
            let value: Payload
            do throws(DatatypeError) {
                value = try channel.value(of: message)
            } catch {
                try await context.setAside(error, refusedBy: channel)
                return []
            }
            return try await body(value, context)
        }
    }

    /// Registers a handler that receives the values of `channel` and returns nothing.
    ///
    /// See ``MessageBus/Bus/handle(_:group:name:options:middleware:_:)``, which says what
    /// happens to messages that are not of the channel's type.
    public func consume<Payload>(
        _ channel: TypedChannel<Payload>,
        group: String,
        name: String? = nil,
        options: HandlerOptions = HandlerOptions(),
        middleware: [any MessageMiddleware] = [],
        _ body: nonisolated(nonsending) @escaping @Sendable (Payload, HandlerContext) async throws -> Void
    ) throws(MessageBusError) {
        try handle(channel, group: group, name: name, options: options, middleware: middleware) { value, context in
            try await body(value, context)
            return []
        }
    }
}

extension HandlerContext {
    /// Publishes the handled message, as it arrived, to `channel`'s invalid topic with headers
    /// saying why `error` refused it; then counts it, logs it and notifies. Throws what
    /// publishing throws.
    nonisolated(nonsending) func setAside<Payload>(_ error: DatatypeError, refusedBy channel: TypedChannel<Payload>)
        async throws
    {
        var invalid = delivery.message
        let headers: [String: String?] = [
            InvalidMessageHeader.reason: error.codeName,
            InvalidMessageHeader.error: error.reason,
            InvalidMessageHeader.channel: channel.name,
            InvalidMessageHeader.sourceTopic: topic,
            InvalidMessageHeader.group: group,
            InvalidMessageHeader.expected: error.expected,
            InvalidMessageHeader.actual: error.actual,
            InvalidMessageHeader.field: error.fieldPath,
        ]
        for case (let name, let value?) in headers {
            invalid.headers[name] = value
        }
        try await publish(invalid, to: channel.invalidTopic)
        Counter(
            label: "datatype_invalid_total",
            dimensions: [("channel", channel.name), ("reason", error.codeName)],
            factory: metricsFactory
        ).increment()
        logger.warning(
            "Message is not of its channel's type",
            metadata: [
                "channel": "\(channel.name)", "reason": "\(error.codeName)", "error": "\(error.reason)",
                "invalid-topic": "\(channel.invalidTopic)",
            ]
        )
        var notification = BusNotification(
            .invalidMessage,
            summary:
                "Message \(delivery.message.id) on channel '\(channel.name)' is invalid and went to '\(channel.invalidTopic)': \(error.reason)",
            context: self,
            error: error
        )
        notification.deadLetterTopic = channel.invalidTopic
        await notify(notification)
    }
}
