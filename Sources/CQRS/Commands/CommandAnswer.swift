/// What the sender of a command gets back: the handler's result and the token that says which
/// events the command produced.
public struct CommandAnswer<Result: Codable & Sendable>: Sendable {
    /// The id of the command answered.
    public var commandID: String
    /// What the handler answered with.
    public var result: Result
    /// The events the command recorded, for waiting until a projection has applied them; `nil`
    /// when it recorded none.
    public var consistencyToken: ConsistencyToken?

    /// Creates an answer.
    public init(commandID: String, result: Result, consistencyToken: ConsistencyToken?) {
        self.commandID = commandID
        self.result = result
        self.consistencyToken = consistencyToken
    }
}
