/// What one poll of a ``PollingAdapter`` did.
public struct PollReport: Sendable, Hashable {
    /// How many items the source returned.
    public var polled: Int
    /// How many messages the adapter published: one per item.
    public var published: Int
    /// The cursor before the poll; `nil` if there was none.
    public var previousCursor: String?
    /// The cursor after the poll: the one committed, or the previous one when the page moved it
    /// nowhere.
    public var cursor: String?

    /// Creates a report.
    public init(polled: Int, published: Int, previousCursor: String?, cursor: String?) {
        self.polled = polled
        self.published = published
        self.previousCursor = previousCursor
        self.cursor = cursor
    }
}
