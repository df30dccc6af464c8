import MessageBus
import Messaging
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Sends typed commands over the transport and runs the one handler of each command type.
///
/// Each command type travels on its own topic, `<topicPrefix>.<messageType>`, and is handled by
/// the consumer group `<group>.<messageType>`: instances of the application that registers it
/// share its commands, and a command bus refuses a second handler for a type it has one for.
///
/// ```swift
/// let commands = CommandBus(bus: bus, requester: requester, store: outbox, relay: relay)
/// try commands.register(CreateRule.self) { command, context in
///     try context.record(RuleCreated(name: command.name), to: "rules.events")
///     return 1
/// }
/// let answer = try await commands.send(CreateRule(commandID: "request-1", name: "doors"))
/// ```
///
/// For each command the handling side:
/// 1. answers at once with the stored answer if the command id was handled before;
/// 2. calls ``Command/validate()`` and the handler;
/// 3. commits the answer and the recorded events in the ``OutboxStore`` (unless the handler's
///    store already did, in the handler's own transaction), wakes the ``OutboxRelay``, and
///    replies.
///
/// An error that is not retriable — a ``CQRSError/Code/validationFailed`` one, or any
/// `ClassifiedError` whose `isRetriable` is `false` — is stored as the command's answer and
/// returned to the sender as a ``CQRSError``; nothing is committed. A retriable error is thrown
/// to the bus, which delivers the command again as its middleware and options say.
public final class CommandBus: Sendable {
    /// The first part of every command topic. Default: `commands`.
    public let topicPrefix: String
    /// The first part of every handling group. Default: `commands`.
    public let group: String
    private let bus: Bus
    private let requester: Requester?
    private let store: any OutboxStore
    private let relay: OutboxRelay?
    private let codec = JSONMessageCodec()
    private let registered = Mutex<Set<String>>([])

    /// Creates a command bus.
    ///
    /// - Parameters:
    ///   - bus: The bus commands are handled on and sent through.
    ///   - requester: Sends commands and waits for their answers; `nil` on a side that only
    ///     handles commands. Run it in the service group.
    ///   - store: Where answers and events are committed.
    ///   - relay: The relay woken after each commit. Default: none (it finds events by polling).
    ///   - topicPrefix: The first part of every command topic. Default: `commands`.
    ///   - group: The first part of every handling group. Default: `commands`.
    public init(
        bus: Bus,
        requester: Requester?,
        store: any OutboxStore,
        relay: OutboxRelay? = nil,
        topicPrefix: String = "commands",
        group: String = "commands"
    ) {
        self.bus = bus
        self.requester = requester
        self.store = store
        self.relay = relay
        self.topicPrefix = topicPrefix
        self.group = group
    }

    /// The topic commands of type `type` travel on.
    public func topic<C: Command>(for type: C.Type) -> String {
        "\(topicPrefix).\(C.messageType)"
    }

    // MARK: - Handling

    /// Registers the one handler of commands of type `type`.
    ///
    /// - Parameters:
    ///   - type: The command type.
    ///   - options: How the handler consumes its topic. Default: `Bus.HandlerOptions()`.
    ///   - handler: Changes the state, records events on its context, and returns the result.
    /// - Throws: ``CQRSError/Code/duplicateHandler`` when a handler of the type is registered;
    ///   ``CQRSError/Code/invalidConfiguration`` when the bus refuses the registration (an
    ///   invalid topic name, a bus already running).
    public func register<C: Command>(
        _ type: C.Type,
        options: Bus.HandlerOptions = Bus.HandlerOptions(),
        handler: @escaping @Sendable (C, CommandContext<C>) async throws -> C.Result
    ) throws(CQRSError) {
        let inserted = registered.withLock { $0.insert(C.messageType).inserted }
        guard inserted else {
            throw CQRSError(
                .duplicateHandler,
                "Command type '\(C.messageType)' already has a handler; a command has exactly one.",
                messageType: C.messageType
            )
        }
        do {
            try bus.handle(
                from: topic(for: C.self),
                group: "\(group).\(C.messageType)",
                name: "command \(C.messageType)",
                options: options
            ) { message, context in
                try await self.handle(message, as: C.self, context: context, handler: handler)
            }
        } catch {
            _ = registered.withLock { $0.remove(C.messageType) }
            throw CQRSError(.invalidConfiguration, error.reason, messageType: C.messageType)
        }
    }

    private func handle<C: Command>(
        _ message: Message,
        as type: C.Type,
        context: HandlerContext,
        handler: @Sendable (C, CommandContext<C>) async throws -> C.Result
    ) async throws -> [OutgoingMessage] {
        let command: C
        do {
            command = try message.decode(C.self, codec: codec)
        } catch {
            let refusal = CQRSError(.codingFailed, error.reason, messageType: C.messageType)
            return try reply(with: failureAnswer(refusal), to: context, type: C.self)
        }
        if let stored = try await storedAnswer(to: command.commandID) {
            return try reply(with: stored, to: context, type: C.self)
        }
        let commandContext = CommandContext<C>(commandID: command.commandID, handlerContext: context, codec: codec)
        let record: CommandRecord
        do {
            try command.validate()
            let result = try await handler(command, commandContext)
            record = try commandContext.committedRecord ?? commandContext.record(answering: result)
            if commandContext.committedRecord == nil, try await !commit(record) {
                return try reply(with: try await storedAnswer(to: command.commandID), to: context, type: C.self)
            }
            if !record.events.isEmpty {
                relay?.wake()
            }
        } catch let error as any ClassifiedError where !error.isRetriable && !(error is CancellationError) {
            // A cancelled handling (the bus stopping) is no refusal: the command comes back.
            let refusal =
                (error as? CQRSError)
                ?? CQRSError(
                    .commandRejected,
                    "The handler refused the command: \(error.codeName): \(error)",
                    messageType: C.messageType
                )
            let failure = CommandRecord(
                commandID: command.commandID,
                commandType: C.messageType,
                answer: failureAnswer(refusal),
                events: []
            )
            _ = try await commit(failure)
            return try reply(with: try await storedAnswer(to: command.commandID), to: context, type: C.self)
        }
        return try reply(with: record.answer, to: context, type: C.self)
    }

    private func storedAnswer(to commandID: String) async throws -> CommandRecord.Answer? {
        do {
            return try await store.answer(toCommand: commandID)
        } catch {
            throw CQRSError(
                .storeFailed,
                "Cannot read the answer to command '\(commandID)': \(error)",
                isRetriable: true
            )
        }
    }

    private func commit(_ record: CommandRecord) async throws -> Bool {
        do {
            return try await store.commit(record)
        } catch {
            throw CQRSError(
                .storeFailed,
                "Cannot commit command '\(record.commandID)': \(error)",
                isRetriable: true,
                messageType: record.commandType
            )
        }
    }

    private func failureAnswer(_ error: CQRSError) -> CommandRecord.Answer {
        let reply = Reply<Nothing>(.failure(.init(error)))
        return CommandRecord.Answer(payload: Array((try? codec.encode(reply)) ?? Data()), isFailure: true)
    }

    private func reply<C: Command>(
        with answer: CommandRecord.Answer?,
        to context: HandlerContext,
        type: C.Type
    ) throws -> [OutgoingMessage] {
        guard let answer, context.delivery.message.replyTo != nil else {
            return []
        }
        let message = Message(
            type: "\(C.messageType).answer",
            dataContentType: codec.contentType,
            payload: Data(answer.payload)
        )
        return [try context.reply(message)]
    }

    // MARK: - Sending

    /// Sends `command` to its handler and returns its answer.
    ///
    /// Sending a command again with the same ``Command/commandID`` returns the first answer;
    /// the handler does not run again.
    ///
    /// - Parameters:
    ///   - command: The command.
    ///   - timeout: How long to wait for the answer. Default: 30 seconds.
    /// - Throws: ``CQRSError`` — the handler's refusal (``CQRSError/Code/validationFailed``,
    ///   ``CQRSError/Code/commandRejected``, …) with its reason and field;
    ///   ``CQRSError/Code/commandTimedOut`` when no answer arrives in time;
    ///   ``CQRSError/Code/notDelivered`` when the command cannot be published or the requester
    ///   stopped;
    ///   ``CQRSError/Code/invalidConfiguration`` when the bus has no requester.
    public func send<C: Command>(_ command: C, timeout: Duration = .seconds(30)) async throws(CQRSError)
        -> CommandAnswer<C.Result>
    {
        guard let requester else {
            throw CQRSError(
                .invalidConfiguration,
                "This command bus has no requester to send '\(C.messageType)' with.",
                messageType: C.messageType
            )
        }
        let message: Message
        do {
            message = try Message(command, codec: codec)
        } catch {
            throw CQRSError(.codingFailed, error.reason, messageType: C.messageType)
        }
        let answer: Message
        do {
            answer = try await requester.request(message, to: topic(for: C.self), timeout: timeout)
        } catch let error as MessageBusError where error.code == .requestTimedOut {
            throw CQRSError(
                .commandTimedOut,
                "No answer to command '\(command.commandID)' within \(timeout): nobody handles '\(C.messageType)' on '\(topic(for: C.self))', or its handler keeps failing.",
                isRetriable: true,
                messageType: C.messageType
            )
        } catch {
            throw CQRSError(
                .notDelivered,
                "Command '\(command.commandID)' could not be sent or answered: \(error)",
                isRetriable: true,
                messageType: C.messageType
            )
        }
        let reply: Reply<C.Result>
        do {
            reply = try answer.decode(Reply<C.Result>.self, codec: codec)
        } catch {
            throw CQRSError(.codingFailed, "The answer does not decode: \(error.reason)", messageType: C.messageType)
        }
        let result: C.Result
        switch reply.outcome {
        case .success(let value):
            result = value
        case .failure(let failure):
            throw failure.error(messageType: C.messageType)
        }
        return CommandAnswer(commandID: command.commandID, result: result, consistencyToken: reply.consistencyToken)
    }
}
