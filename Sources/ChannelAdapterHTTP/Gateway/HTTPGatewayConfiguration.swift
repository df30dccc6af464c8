import ChannelAdapter

/// How an ``HTTPGateway`` consumes its topic and calls its endpoint.
public struct HTTPGatewayConfiguration: Sendable {
    /// The consumer group the gateway reads its topic as; `nil` for the gateway's name.
    /// Default: `nil`.
    public var group: String?
    /// The most calls in flight at once, over all keys. Values below 1 are raised to 1.
    /// Default: 8.
    public var maximumConcurrency: Int {
        get { storedMaximumConcurrency }
        set { storedMaximumConcurrency = max(1, newValue) }
    }
    /// How long one call may take, answer included; a call that takes longer is retried as a
    /// `ChannelAdapterError.Code.timedOut`. Default: 30 seconds.
    public var timeout: Duration
    /// Which answers are done, retried — after how long — or dead-lettered. Default:
    /// `DeliveryPolicy()`.
    public var policy: DeliveryPolicy
    /// Where messages the endpoint refuses, or whose tries ran out, go; `nil` for
    /// `<topic>.dead`. Default: `nil`.
    public var deadLetterTopic: String?
    /// The most messages the gateway holds unsettled at once, waiting behind their key or in
    /// flight; the transport hands it no more until some are settled. Default: 256.
    public var prefetch: Int

    private var storedMaximumConcurrency: Int

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - group: The consumer group; `nil` for the gateway's name. Default: `nil`.
    ///   - maximumConcurrency: The most calls in flight at once. Default: 8.
    ///   - timeout: How long one call may take. Default: 30 seconds.
    ///   - policy: What each answer leads to. Default: `DeliveryPolicy()`.
    ///   - deadLetterTopic: Where refused messages go; `nil` for `<topic>.dead`. Default: `nil`.
    ///   - prefetch: The most messages held unsettled at once. Default: 256.
    public init(
        group: String? = nil,
        maximumConcurrency: Int = 8,
        timeout: Duration = .seconds(30),
        policy: DeliveryPolicy = DeliveryPolicy(),
        deadLetterTopic: String? = nil,
        prefetch: Int = 256
    ) {
        self.group = group
        self.storedMaximumConcurrency = max(1, maximumConcurrency)
        self.timeout = timeout
        self.policy = policy
        self.deadLetterTopic = deadLetterTopic
        self.prefetch = max(1, prefetch)
    }
}
