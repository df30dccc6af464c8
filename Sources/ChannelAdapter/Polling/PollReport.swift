/// What one poll of a ``PollingAdapter`` did.
public struct PollReport: Sendable, Hashable {
    /// How many items the source returned.
    public var polled: Int
    /// How many messages the adapter published: one per item.
    public var published: Int
    /// The cursor before the poll; `nil` if there was none, or the instance stood by.
    public var previousCursor: String?
    /// The cursor after the poll: the one committed, or the previous one when the page moved it
    /// nowhere. `nil` too when the instance stood by.
    public var cursor: String?
    /// Whether the poll did nothing because another instance holds the lease
    /// (``PollingConfiguration/lease``); then the cursors are `nil`.
    public var stoodBy: Bool

    /// Creates a report.
    public init(polled: Int, published: Int, previousCursor: String?, cursor: String?, stoodBy: Bool = false) {
        self.polled = polled
        self.published = published
        self.previousCursor = previousCursor
        self.cursor = cursor
        self.stoodBy = stoodBy
    }
}
