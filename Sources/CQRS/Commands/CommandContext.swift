import MessageBus
import Messaging
import Synchronization

/// What a command's handler is given besides the command: the events it records and the
/// handling it is part of.
///
/// Events recorded with ``record(_:to:)`` are committed with the command's answer, in the
/// ``OutboxStore``, only if the handler succeeds; the ``OutboxRelay`` publishes them. Each gets
/// a message id derived from the command id (`<command id>.event-<n>`), so a command handled
/// again after a crash records the same ids.
public final class CommandContext<C: Command>: Sendable {
    private struct State {
        var events: [OutgoingMessage] = []
        var committed: CommandRecord?
    }

    /// The command's id.
    public let commandID: String
    /// The bus handling the command's message: its logger, its delivery, its trace.
    public let handlerContext: HandlerContext
    private let codec: JSONMessageCodec
    private let state = Mutex(State())

    init(commandID: String, handlerContext: HandlerContext, codec: JSONMessageCodec) {
        self.commandID = commandID
        self.handlerContext = handlerContext
        self.codec = codec
    }

    /// Records `event` for `topic`, to be published once the command's changes are committed.
    ///
    /// - Throws: ``CQRSError/Code/codingFailed`` when the event does not encode.
    public func record<Event: BusMessage>(_ event: Event, to topic: String) throws(CQRSError) {
        var message: Message
        do {
            message = try Message(event, codec: codec)
        } catch {
            throw CQRSError(.codingFailed, "Cannot encode event '\(Event.messageType)': \(error.reason)")
        }
        message.correlationID = handlerContext.correlationID
        message.headers[MessageHeader.causationID] = handlerContext.delivery.message.id
        state.withLock { state in
            message.id = "\(commandID).event-\(state.events.count + 1)"
            state.events.append(OutgoingMessage(message, to: topic))
        }
    }

    /// The events recorded so far.
    public var events: [OutgoingMessage] {
        state.withLock { $0.events }
    }

    /// The token naming the events recorded so far; `nil` if none.
    public var consistencyToken: ConsistencyToken? {
        let events = events
        guard !events.isEmpty else {
            return nil
        }
        return ConsistencyToken(events: events.map { .init(topic: $0.topic, messageID: $0.message.id) })
    }

    /// The record of the command answered with `result` and the events recorded so far, for a
    /// store that commits it in its own transaction; then ``committed(_:)``.
    ///
    /// - Throws: ``CQRSError/Code/codingFailed`` when the result does not encode.
    public func record(answering result: C.Result) throws(CQRSError) -> CommandRecord {
        let reply = Reply<C.Result>(.success(result), consistencyToken: consistencyToken)
        let payload: [UInt8]
        do {
            payload = Array(try codec.encode(reply))
        } catch {
            throw CQRSError(.codingFailed, "Cannot encode the result of '\(C.messageType)': \(error.reason)")
        }
        return CommandRecord(
            commandID: commandID,
            commandType: C.messageType,
            answer: .init(payload: payload, isFailure: false),
            events: events
        )
    }

    /// Tells the command bus that a store committed `record` with the handler's own changes, so
    /// it commits nothing more when the handler returns.
    public func committed(_ record: CommandRecord) {
        state.withLock { $0.committed = record }
    }

    /// The record a store committed during the handling, if one did.
    var committedRecord: CommandRecord? {
        state.withLock { $0.committed }
    }
}
