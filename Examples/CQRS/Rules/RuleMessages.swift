import CQRS
import MessageBus

/// The topic the command side's events travel on, read by the query side's projection.
let ruleEventsTopic = "monitor_aperturas.reglas.events"

/// Creates a rule; answers it with the id the command side gave it.
struct CreateRule: Command {
    typealias Result = Rule
    static let messageType = "monitor_aperturas.create-rule"
    var commandID: String
    var fields: RuleFields

    func validate() throws(CQRSError) { try fields.validate() }
}

/// Replaces the fields of the rule `id`; answers the rule, or `nil` when there is none.
struct UpdateRule: Command {
    typealias Result = Rule?
    static let messageType = "monitor_aperturas.update-rule"
    var commandID: String
    var id: Int
    var fields: RuleFields

    func validate() throws(CQRSError) { try fields.validate() }
}

/// Deletes the rule `id`; answers whether there was one.
struct DeleteRule: Command {
    typealias Result = Bool
    static let messageType = "monitor_aperturas.delete-rule"
    var commandID: String
    var id: Int
}

/// A rule was created.
struct RuleCreated: BusMessage {
    static let messageType = "monitor_aperturas.rule-created"
    var rule: Rule
    var partitionKey: String? { String(rule.id) }
}

/// A rule's fields were replaced.
struct RuleUpdated: BusMessage {
    static let messageType = "monitor_aperturas.rule-updated"
    var rule: Rule
    var partitionKey: String? { String(rule.id) }
}

/// A rule was deleted.
struct RuleDeleted: BusMessage {
    static let messageType = "monitor_aperturas.rule-deleted"
    var id: Int
    var partitionKey: String? { String(id) }
}
