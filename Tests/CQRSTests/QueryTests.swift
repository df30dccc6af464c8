import CQRS
import Clocks
import MessageBus
import MessageBusTesting
import Messaging
import Testing

@Suite("Queries")
struct QueryTests {
    static let topics = ["queries.rules.rule-by-name", "rules.query-answers"]

    @Test(arguments: Carrier.allCases)
    func aQueryIsAnsweredOverTheTransport(carrier: Carrier) async throws {
        let stage = try Stage(carrier, topics: Self.topics)
        let answeringBus = try stage.bus("reports")
        let answering = QueryBus(bus: answeringBus)
        try answering.register(RuleByName.self) { query in query.name == "doors" ? 7 : nil }
        let askingBus = try stage.bus("gateway")
        let requester = Requester(bus: askingBus, replyTopic: "rules.query-answers")
        let asking = QueryBus(requester: requester)
        let (found, missing) = try await stage.run([answeringBus, askingBus], with: [requester]) {
            (
                try await asking.ask(RuleByName(name: "doors"), timeout: .seconds(60)),
                try await asking.ask(RuleByName(name: "windows"), timeout: .seconds(60))
            )
        }
        #expect(found == 7)
        #expect(missing == .some(nil))
    }

    @Test func aQueryIsAnsweredInProcess() async throws {
        let queries = QueryBus()
        try queries.register(RuleByName.self) { _ in 3 }
        #expect(try await queries.ask(RuleByName(name: "doors")) == 3)
    }

    @Test func aSecondHandlerForAQueryTypeIsRefused() throws {
        let queries = QueryBus()
        try queries.register(RuleByName.self) { _ in 3 }
        let error = try #require(throws: CQRSError.self) {
            try queries.register(RuleByName.self) { _ in 4 }
        }
        #expect(error.code == .duplicateHandler)
    }

    @Test(arguments: Carrier.allCases)
    func aQueryNobodyAnswersTimesOutWithItsTypedError(carrier: Carrier) async throws {
        let stage = try Stage(carrier, topics: Self.topics)
        let bus = try stage.bus()
        let requester = Requester(bus: bus, replyTopic: "rules.query-answers", clock: ImmediateClock())
        let queries = QueryBus(requester: requester)
        let error = try await stage.run([bus], with: [requester]) {
            try await #require(throws: CQRSError.self) {
                try await queries.ask(RuleByName(name: "doors"), timeout: .seconds(5))
            }
        }
        #expect(error.code == .queryTimedOut)
        #expect(error.messageType == "rules.rule-by-name")
    }

    @Test func aQueryInProcessThatDoesNotAnswerTimesOutWithItsTypedError() async throws {
        let queries = QueryBus(clock: ImmediateClock())
        try queries.register(RuleByName.self) { _ in
            try await Task.sleep(for: .seconds(3600))
            return nil
        }
        let error = try await #require(throws: CQRSError.self) {
            try await queries.ask(RuleByName(name: "doors"), timeout: .seconds(1))
        }
        #expect(error.code == .queryTimedOut)
    }

    @Test func aFailingHandlersErrorReachesTheAsker() async throws {
        let harness = BusHarness()
        let answering = QueryBus(bus: harness.bus)
        try answering.register(RuleByName.self) { _ in throw CQRSError.invalid("name", "is unknown") }
        let requester = Requester(bus: harness.bus, replyTopic: "rules.query-answers")
        let asking = QueryBus(requester: requester)
        let error = try await harness.run(with: [requester]) {
            try await #require(throws: CQRSError.self) {
                try await asking.ask(RuleByName(name: "x"), timeout: .seconds(20))
            }
        }
        #expect(error.code == .validationFailed)
        #expect(error.fieldPath == "name")
    }
}
