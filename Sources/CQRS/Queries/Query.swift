import MessageBus

/// A question with a typed answer, asked of a read model over the transport or in process.
///
/// ```swift
/// struct RuleByID: Query {
///     typealias Result = Rule?
///     static let messageType = "rules.rule-by-id"
///     var id: Int
/// }
/// ```
public protocol Query: BusMessage {
    /// What the query's handler answers with.
    associatedtype Result: Codable & Sendable
}

extension Query {
    /// Queries are requests for something: `command` messages.
    public static var kind: BusMessageKind { .command }
}
