import CQRS
import CQRSSQLite
import Foundation
import GRDB
import MessageBus
import Messaging
import Synchronization
import Testing

/// The contract of `OutboxStore`, checked on every implementation.
@Suite("Outbox stores")
struct OutboxStoreTests {
    enum Kind: String, CaseIterable, CustomTestStringConvertible {
        case inMemory, sqlite

        var testDescription: String { rawValue }

        func makeStore(path: String) throws -> any OutboxStore {
            switch self {
            case .inMemory: InMemoryOutboxStore()
            case .sqlite: try SQLiteOutboxStore(database: try DatabaseQueue(path: path))
            }
        }
    }

    static func record(_ commandID: String, events: Int, topic: String = "rules.events") throws -> CommandRecord {
        CommandRecord(
            commandID: commandID,
            commandType: CreateRule.messageType,
            answer: .init(payload: Array(commandID.utf8), isFailure: false),
            events: try (0..<events).map { index in
                var message = try Message(RuleCreated(id: index, name: commandID))
                message.id = "\(commandID).event-\(index + 1)"
                message.headers["note"] = "kept"
                return OutgoingMessage(message, to: topic)
            }
        )
    }

    @Test(arguments: Kind.allCases)
    func anAnswerIsCommittedOnceWithItsEvents(kind: Kind) async throws {
        let store = try kind.makeStore(path: temporaryDatabasePath())
        #expect(try await store.answer(toCommand: "a") == nil)
        #expect(try await store.commit(try Self.record("a", events: 2)))
        #expect(try await !store.commit(try Self.record("a", events: 3)))
        #expect(try await store.answer(toCommand: "a")?.payload == Array("a".utf8))
        let pending = try await store.pending(limit: 10)
        #expect(pending.map(\.message.id) == ["a.event-1", "a.event-2"])
        #expect(pending.first?.message.headers["note"] == "kept")
        #expect(pending.first?.topic == "rules.events")
        #expect(try pending.first?.message.decode(RuleCreated.self) == RuleCreated(id: 0, name: "a"))
    }

    @Test(arguments: Kind.allCases)
    func pendingEventsComeInCommitOrderUntilMarked(kind: Kind) async throws {
        let store = try kind.makeStore(path: temporaryDatabasePath())
        _ = try await store.commit(try Self.record("a", events: 2))
        _ = try await store.commit(try Self.record("b", events: 1, topic: "other"))
        _ = try await store.commit(try Self.record("c", events: 0))
        let all = try await store.pending(limit: 10)
        #expect(all.map(\.message.id) == ["a.event-1", "a.event-2", "b.event-1"])
        #expect(all.map(\.sequence) == all.map(\.sequence).sorted())
        #expect(try await store.pending(limit: 2).count == 2)
        try await store.markPublished(through: all[1].sequence)
        #expect(try await store.pending(limit: 10).map(\.message.id) == ["b.event-1"])
        #expect(try await store.answer(toCommand: "c") != nil)
    }

    @Test func pruningDeletesOnlyPublishedEventsAndOldAnswers() async throws {
        let clock = Mutex(Date(timeIntervalSince1970: 1_000))
        let store = try SQLiteOutboxStore(database: try DatabaseQueue()) { clock.withLock { $0 } }
        _ = try await store.commit(try Self.record("a", events: 2))
        let first = try #require(try await store.pending(limit: 1).first)
        try await store.markPublished(through: first.sequence)
        clock.withLock { $0 += 3_600 }
        _ = try await store.commit(try Self.record("b", events: 0))
        #expect(try await store.prune(olderThan: .seconds(60)) == 2)
        #expect(try await store.answer(toCommand: "a") == nil)
        #expect(try await store.answer(toCommand: "b") != nil)
        #expect(try await store.pending(limit: 10).map(\.message.id) == ["a.event-2"])
    }

    @Test func theSQLiteOutboxKeepsItsRecordsAcrossReopening() async throws {
        let path = temporaryDatabasePath()
        _ = try await SQLiteOutboxStore(database: try DatabaseQueue(path: path)).commit(try Self.record("a", events: 1))
        let reopened = try SQLiteOutboxStore(database: try DatabaseQueue(path: path))
        #expect(try await reopened.pending(limit: 10).map(\.message.id) == ["a.event-1"])
        #expect(try await reopened.answer(toCommand: "a") != nil)
    }
}
