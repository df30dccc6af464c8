import CQRS
import Logging
import MessageBus
import MessageBusTesting
import Messaging
import ServiceLifecycle
import Synchronization

/// Creates an alert rule; answers with the rule's id.
struct CreateRule: Command {
    typealias Result = RuleCreatedAnswer
    static let messageType = "rules.create-rule"
    var commandID: String
    var name: String
    var threshold: Int

    func validate() throws(CQRSError) {
        guard !name.isEmpty else { throw CQRSError.invalid("name", "must not be empty") }
        guard threshold > 0 else { throw CQRSError.invalid("threshold", "must be positive") }
    }
}

struct RuleCreatedAnswer: Codable, Sendable, Equatable {
    var id: Int
}

struct RuleCreated: BusMessage, Equatable {
    static let messageType = "rules.rule-created"
    var id: Int
    var name: String
}

struct RuleRenamed: BusMessage, Equatable {
    static let messageType = "rules.rule-renamed"
    var id: Int
    var name: String
}

struct RuleByName: Query {
    typealias Result = Int?
    static let messageType = "rules.rule-by-name"
    var name: String
}

/// A refusal that is not a validation failure and cannot succeed on retry.
struct RuleLimitReached: ClassifiedError {
    var codeName: String { "ruleLimitReached" }
    var isRetriable: Bool { false }
}

/// A counter tests read after the fact.
final class Count: Sendable {
    private let value = Mutex(0)
    var current: Int { value.withLock { $0 } }

    @discardableResult
    func next() -> Int {
        value.withLock {
            $0 += 1
            return $0
        }
    }
}

extension BusHarness {
    /// Runs the transport, the bus and `services` around `body`.
    func run<Result>(
        with services: [any Service],
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> Result
    ) async throws -> Result {
        try await run {
            try await withRunningServices(services, logger: Logger(label: "CQRSTests")) {
                try await body()
            }
        }
    }
}
