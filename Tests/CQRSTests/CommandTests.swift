import CQRS
import Clocks
import InMemoryTransport
import MessageBus
import MessageBusTesting
import Messaging
import Testing

@Suite("Commands")
struct CommandTests {
    /// A command bus on a harness, with the handler of `CreateRule` counting its runs.
    struct Side {
        let harness = BusHarness()
        let store = InMemoryOutboxStore()
        let effects = Count()
        let requester: Requester
        let relay: OutboxRelay
        let commands: CommandBus

        init(requesterClock: some Clock<Duration> = ContinuousClock()) throws {
            requester = Requester(bus: harness.bus, replyTopic: "rules.answers", clock: requesterClock)
            relay = OutboxRelay(store: store, bus: harness.bus)
            commands = CommandBus(bus: harness.bus, requester: requester, store: store, relay: relay)
            try commands.register(CreateRule.self) { [effects] command, context in
                if command.name == "limit" {
                    throw RuleLimitReached()
                }
                let id = effects.next()
                try context.record(RuleCreated(id: id, name: command.name), to: "rules.events")
                return RuleCreatedAnswer(id: id)
            }
        }
    }

    @Test func aSecondHandlerForACommandTypeIsRefused() throws {
        let side = try Side()
        #expect {
            try side.commands.register(CreateRule.self) { _, _ in RuleCreatedAnswer(id: 0) }
        } throws: { error in
            (error as? CQRSError)?.code == .duplicateHandler
                && (error as? CQRSError)?.messageType == "rules.create-rule"
        }
    }

    @Test func theSameCommandIDTwiceHasOneEffectAndTheSameAnswer() async throws {
        let side = try Side()
        let (first, second) = try await side.harness.run(with: [side.requester, side.relay]) {
            let command = CreateRule(commandID: "request-1", name: "doors", threshold: 3)
            let first = try await side.commands.send(command, timeout: .seconds(20))
            let second = try await side.commands.send(command, timeout: .seconds(20))
            try await side.harness.waitUntil("the event is published") {
                !side.harness.published(to: "rules.events").isEmpty
            }
            return (first, second)
        }
        #expect(side.effects.current == 1)
        #expect(first.result == RuleCreatedAnswer(id: 1))
        #expect(second.result == first.result)
        #expect(second.consistencyToken == first.consistencyToken)
        let token = try #require(first.consistencyToken)
        #expect(token.events == [.init(topic: "rules.events", messageID: "request-1.event-1")])
        let events = side.harness.published(to: "rules.events")
        #expect(events.map(\.id) == ["request-1.event-1"])
        #expect(try events.first?.decode(RuleCreated.self) == RuleCreated(id: 1, name: "doors"))
        #expect(try await side.store.pending(limit: 10).isEmpty)
    }

    @Test func aValidationErrorReachesTheSenderTypedAndChangesNothing() async throws {
        let side = try Side()
        let error = try await side.harness.run(with: [side.requester, side.relay]) {
            try await #require(throws: CQRSError.self) {
                try await side.commands.send(
                    CreateRule(commandID: "request-2", name: "doors", threshold: 0),
                    timeout: .seconds(20)
                )
            }
        }
        #expect(error.code == .validationFailed)
        #expect(error.fieldPath == "threshold")
        #expect(error.messageType == "rules.create-rule")
        #expect(side.effects.current == 0)
        #expect(try await side.store.pending(limit: 10).isEmpty)
        #expect(side.harness.published(to: "rules.events").isEmpty)
    }

    @Test func aRefusalOfTheHandlerReachesTheSenderAndPublishesNothing() async throws {
        let side = try Side()
        let error = try await side.harness.run(with: [side.requester, side.relay]) {
            try await #require(throws: CQRSError.self) {
                try await side.commands.send(
                    CreateRule(commandID: "request-3", name: "limit", threshold: 1),
                    timeout: .seconds(20)
                )
            }
        }
        #expect(error.code == .commandRejected)
        #expect(error.reason.contains("ruleLimitReached"))
        #expect(try await side.store.pending(limit: 10).isEmpty)
        #expect(side.harness.published(to: "rules.events").isEmpty)
    }

    @Test func aCommandNobodyHandlesTimesOutWithItsTypedError() async throws {
        let harness = BusHarness()
        let requester = Requester(bus: harness.bus, replyTopic: "rules.answers", clock: ImmediateClock())
        let commands = CommandBus(bus: harness.bus, requester: requester, store: InMemoryOutboxStore())
        let error = try await harness.run(with: [requester]) {
            try await #require(throws: CQRSError.self) {
                try await commands.send(
                    CreateRule(commandID: "request-4", name: "doors", threshold: 1),
                    timeout: .seconds(5)
                )
            }
        }
        #expect(error.code == .commandTimedOut)
        #expect(error.isRetriable)
        #expect(error.reason.contains("commands.rules.create-rule"))
    }

    @Test func anEventCommittedBeforeACrashIsPublishedOnceByTheNextRelay() async throws {
        let side = try Side()
        // The relay is not running: the process "stops" after the commit, before publishing.
        try await side.harness.run(with: [side.requester]) {
            _ = try await side.commands.send(CreateRule(commandID: "request-5", name: "doors", threshold: 1))
        }
        #expect(side.harness.published(to: "rules.events").isEmpty)
        #expect(try await side.store.pending(limit: 10).count == 1)

        let restart = BusHarness(broker: side.harness.broker)
        let relay = OutboxRelay(store: side.store, bus: restart.bus)
        try await restart.run(with: [relay]) {
            try await restart.waitUntil("the event is published") { !restart.published(to: "rules.events").isEmpty }
            #expect(try await relay.publishPending() == 0)
        }
        #expect(restart.published(to: "rules.events").map(\.id) == ["request-5.event-1"])
        #expect(try await side.store.pending(limit: 10).isEmpty)
    }
}
