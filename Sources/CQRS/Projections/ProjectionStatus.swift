/// How far a projection has got: what an operator's status page or health check shows.
public struct ProjectionStatus: Sendable, Hashable {
    /// The projection's name.
    public var name: String
    /// The version the projection builds.
    public var version: Int
    /// How many events the projection has processed (applied or skipped) into its current table.
    public var position: Int64
    /// How many events of its topic wait past its position, when the transport tells
    /// (`ConsumerLagReporting`); `nil` otherwise or before the first event.
    public var lag: Int?
    /// Whether the projection is rebuilding a new version by replay while queries read the old one.
    public var isRebuilding: Bool
    /// How many events of types the projection does not know it skipped.
    public var skippedEvents: Int64
    /// The last error applying an event failed with, if the last attempt failed.
    public var lastError: String?

    /// Creates a status.
    public init(
        name: String,
        version: Int,
        position: Int64,
        lag: Int?,
        isRebuilding: Bool,
        skippedEvents: Int64,
        lastError: String?
    ) {
        self.name = name
        self.version = version
        self.position = position
        self.lag = lag
        self.isRebuilding = isRebuilding
        self.skippedEvents = skippedEvents
        self.lastError = lastError
    }
}
