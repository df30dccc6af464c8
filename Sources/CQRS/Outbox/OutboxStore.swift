import MessageBus
import Messaging

/// Where commands' answers and the events they recorded wait for the ``OutboxRelay``: the
/// Transactional Outbox.
///
/// A command's answer and its events are committed together by ``commit(_:)``, or not at all,
/// so a command that failed publishes nothing and one that succeeded loses nothing: the relay
/// reads ``pending(limit:)`` in sequence order, publishes, and marks what it published with
/// ``markPublished(through:)``. An event published and not yet marked when the process stops is
/// published again on restart, with the same message id, so a consumer behind an idempotent
/// receiver or a projection handles it once.
///
/// Implementations must be safe to call concurrently. ``InMemoryOutboxStore`` keeps its records
/// for the life of the process; `SQLiteOutboxStore` (module `CQRSSQLite`) keeps them in the
/// application's own database and commits them in the same transaction as the handler's changes.
public protocol OutboxStore: Sendable {
    /// The encoded answer to the command `commandID`, if it was committed.
    func answer(toCommand commandID: String) async throws -> CommandRecord.Answer?
    /// Stores `record`'s answer and appends its events to the outbox, atomically.
    ///
    /// - Returns: `false`, having stored nothing, when an answer to the same command id is
    ///   already stored.
    func commit(_ record: CommandRecord) async throws -> Bool
    /// Up to `limit` events not yet marked published, oldest first.
    func pending(limit: Int) async throws -> [OutboxEntry]
    /// Marks every event up to and including `sequence` as published.
    func markPublished(through sequence: Int64) async throws
}

/// A handled command, as its outbox stores it: the answer to give its sender again, and the
/// events to publish once.
public struct CommandRecord: Sendable {
    /// The encoded answer, as the sender receives it.
    public struct Answer: Sendable, Hashable {
        /// The reply payload.
        public var payload: [UInt8]
        /// Whether the answer is a refusal rather than a result.
        public var isFailure: Bool

        /// Creates an answer.
        public init(payload: [UInt8], isFailure: Bool) {
            self.payload = payload
            self.isFailure = isFailure
        }
    }

    /// The command's id.
    public var commandID: String
    /// The command's type name.
    public var commandType: String
    /// The answer.
    public var answer: Answer
    /// The events to publish, in order, each with the topic it goes to.
    public var events: [OutgoingMessage]

    /// Creates a record.
    public init(commandID: String, commandType: String, answer: Answer, events: [OutgoingMessage]) {
        self.commandID = commandID
        self.commandType = commandType
        self.answer = answer
        self.events = events
    }
}

/// An event in an outbox, with its place in the outbox's order.
public struct OutboxEntry: Sendable {
    /// The entry's position: increasing in the order events were committed.
    public var sequence: Int64
    /// The topic the event goes to.
    public var topic: String
    /// The event.
    public var message: Message

    /// Creates an entry.
    public init(sequence: Int64, topic: String, message: Message) {
        self.sequence = sequence
        self.topic = topic
        self.message = message
    }
}
