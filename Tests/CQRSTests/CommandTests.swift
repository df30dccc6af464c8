import CQRS
import Clocks
import InMemoryTransport
import MessageBus
import MessageBusTesting
import Messaging
import ServiceLifecycle
import Testing

@Suite("Commands")
struct CommandTests {
    /// A command bus on a stage, with the handler of `CreateRule` counting its runs, and an
    /// observer collecting the events published to `rules.events`.
    struct Side {
        static let topics = ["commands.rules.create-rule", "rules.answers", "rules.events"]
        let stage: Stage
        let bus: Bus
        let store = InMemoryOutboxStore()
        let effects = Count()
        let events = Collector<Message>()
        let requester: Requester
        let relay: OutboxRelay
        let commands: CommandBus

        init(_ carrier: Carrier = .inMemory, requesterClock: some Clock<Duration> = ContinuousClock()) throws {
            stage = try Stage(carrier, topics: Self.topics)
            bus = try stage.bus()
            requester = Requester(bus: bus, replyTopic: "rules.answers", clock: requesterClock)
            relay = OutboxRelay(store: store, bus: bus)
            commands = CommandBus(bus: bus, requester: requester, store: store, relay: relay)
            try commands.register(CreateRule.self) { [effects] command, context in
                if command.name == "limit" {
                    throw RuleLimitReached()
                }
                let id = effects.next()
                try context.record(RuleCreated(id: id, name: command.name), to: "rules.events")
                return RuleCreatedAnswer(id: id)
            }
            try bus.consume(from: "rules.events", group: "observer") { [events] message, _ in events.append(message) }
        }

        /// Runs the bus, the requester, the relay and `services` around `body`.
        func run<Result>(
            with services: [any Service] = [],
            isolation: isolated (any Actor)? = #isolation,
            _ body: () async throws -> Result
        ) async throws -> Result {
            try await stage.run([bus], with: [requester, relay] + services, body)
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

    @Test(arguments: Carrier.allCases)
    func theSameCommandIDTwiceHasOneEffectAndTheSameAnswer(carrier: Carrier) async throws {
        let side = try Side(carrier)
        let (first, second) = try await side.run {
            let command = CreateRule(commandID: "request-1", name: "doors", threshold: 3)
            let first = try await side.commands.send(command, timeout: .seconds(60))
            let second = try await side.commands.send(command, timeout: .seconds(60))
            try await side.stage.waitUntil("the event is published") { side.events.count == 1 }
            try await side.stage.waitUntilHandled("rules.events", group: "observer", on: side.bus)
            return (first, second)
        }
        #expect(side.effects.current == 1)
        #expect(first.result == RuleCreatedAnswer(id: 1))
        #expect(second.result == first.result)
        #expect(second.consistencyToken == first.consistencyToken)
        let token = try #require(first.consistencyToken)
        #expect(token.events == [.init(topic: "rules.events", messageID: "request-1.event-1")])
        let events = side.events.all
        #expect(events.map(\.id) == ["request-1.event-1"])
        #expect(try events.first?.decode(RuleCreated.self) == RuleCreated(id: 1, name: "doors"))
        #expect(try await side.store.pending(limit: 10).isEmpty)
    }

    @Test(arguments: Carrier.allCases)
    func aValidationErrorReachesTheSenderTypedAndChangesNothing(carrier: Carrier) async throws {
        let side = try Side(carrier)
        let error = try await side.run {
            try await #require(throws: CQRSError.self) {
                try await side.commands.send(
                    CreateRule(commandID: "request-2", name: "doors", threshold: 0),
                    timeout: .seconds(60)
                )
            }
        }
        #expect(error.code == .validationFailed)
        #expect(error.fieldPath == "threshold")
        #expect(error.messageType == "rules.create-rule")
        #expect(side.effects.current == 0)
        #expect(try await side.store.pending(limit: 10).isEmpty)
        #expect(side.events.all.isEmpty)
    }

    @Test func aRefusalOfTheHandlerReachesTheSenderAndPublishesNothing() async throws {
        let side = try Side()
        let error = try await side.run {
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
        #expect(side.events.all.isEmpty)
    }

    @Test(arguments: Carrier.allCases)
    func aCommandNobodyHandlesTimesOutWithItsTypedError(carrier: Carrier) async throws {
        let stage = try Stage(carrier, topics: Side.topics)
        let bus = try stage.bus()
        let requester = Requester(bus: bus, replyTopic: "rules.answers", clock: ImmediateClock())
        let commands = CommandBus(bus: bus, requester: requester, store: InMemoryOutboxStore())
        let error = try await stage.run([bus], with: [requester]) {
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
        try await side.stage.run([side.bus], with: [side.requester]) {
            _ = try await side.commands.send(CreateRule(commandID: "request-5", name: "doors", threshold: 1))
        }
        #expect(side.events.all.isEmpty)
        #expect(try await side.store.pending(limit: 10).count == 1)

        let restart = try side.stage.bus()
        let relay = OutboxRelay(store: side.store, bus: restart)
        let published = Collector<Message>()
        try restart.consume(from: "rules.events", group: "observer") { message, _ in published.append(message) }
        try await side.stage.run([restart], with: [relay]) {
            try await side.stage.waitUntil("the event is published") { published.count == 1 }
            #expect(try await relay.publishPending() == 0)
            try await side.stage.waitUntilHandled("rules.events", group: "observer", on: restart)
        }
        #expect(published.all.map(\.id) == ["request-5.event-1"])
        #expect(try await side.store.pending(limit: 10).isEmpty)
    }
}
