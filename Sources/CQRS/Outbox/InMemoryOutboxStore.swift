import Synchronization

/// An ``OutboxStore`` in memory, for tests and for applications whose commands change nothing
/// that outlives the process.
public final class InMemoryOutboxStore: OutboxStore {
    private struct State {
        var answers: [String: CommandRecord.Answer] = [:]
        var entries: [OutboxEntry] = []
        var nextSequence: Int64 = 1
    }

    private let state = Mutex(State())

    /// Creates an empty store.
    public init() {}

    /// The stored answer to `commandID`.
    public func answer(toCommand commandID: String) async throws -> CommandRecord.Answer? {
        state.withLock { $0.answers[commandID] }
    }

    /// Stores the answer and appends the events under one lock.
    public func commit(_ record: CommandRecord) async throws -> Bool {
        state.withLock { state in
            guard state.answers[record.commandID] == nil else {
                return false
            }
            state.answers[record.commandID] = record.answer
            for event in record.events {
                state.entries.append(
                    OutboxEntry(sequence: state.nextSequence, topic: event.topic, message: event.message)
                )
                state.nextSequence += 1
            }
            return true
        }
    }

    /// The oldest `limit` unpublished events.
    public func pending(limit: Int) async throws -> [OutboxEntry] {
        state.withLock { Array($0.entries.prefix(max(0, limit))) }
    }

    /// Drops the events up to `sequence`.
    public func markPublished(through sequence: Int64) async throws {
        state.withLock { $0.entries.removeAll { $0.sequence <= sequence } }
    }
}
