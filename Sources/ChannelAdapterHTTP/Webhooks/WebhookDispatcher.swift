import AsyncHTTPClient
import ChannelAdapter
import Logging
import MessageBus
import MessageSecurity
import Messaging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Delivers events to the webhook subscriptions that want them: each matching subscription gets
/// an HTTP `POST` of the event's payload, signed the Standard Webhooks way.
///
/// Register it as the handler of the topic whose events subscribers may receive, and run it in
/// the service group, listed before the bus: the group stops services in reverse order, so the
/// bus finishes its deliveries before the dispatcher shuts its HTTP client down. A dispatcher
/// that is not run must be shut down with ``shutdown()``.
///
/// ```swift
/// let dispatcher = WebhookDispatcher(store: try SQLiteSubscriptionStore(path: "webhooks.sqlite"))
/// try bus.handle(from: "order-events", group: "webhooks", handler: dispatcher)
/// let subscription = try await dispatcher.register(url: "https://example.com/hooks", eventTypes: ["order.created"])
/// ```
///
/// Each request carries the event's payload as its body, `content-type` from the message's
/// `dataContentType` (default `application/json`), and `webhook-id` (the message id, the same for
/// every retry, so the receiver can deduplicate), `webhook-timestamp` and `webhook-signature`
/// (`v1,` and the base64 HMAC-SHA256 of `<id>.<timestamp>.<body>` under the subscription's
/// secret), which `WebhookReceiver`, `WebhookVerifier` or any Standard Webhooks library checks.
///
/// What an answer does:
/// - **2xx**: delivered.
/// - **410 Gone**: the subscription is disabled in the store, with the reason, and gets no more
///   deliveries.
/// - **408, 429, 5xx, a connection failure or a timeout**: tried again after the ``retry``
///   policy's backoff or the `Retry-After` the endpoint asked for, whichever is longer, for at
///   most ``retryPeriod``.
/// - **3xx**: a failure, not followed: redirects could lead a delivery anywhere, internal
///   addresses included. No other status is retried either.
///
/// Before each request the URL is checked against the ``TargetPolicy``, resolving its host
/// again: by default loopback, link-local and private addresses are refused, at registration and
/// at delivery.
///
/// As a handler, a delivery that ends disabled or failed raises a notification
/// (`BusNotification.Kind.webhookDisabled`, `BusNotification.Kind.webhookFailed`) through the
/// bus's notifier and, given a ``deadLetterTopic``, sets the event aside there with the
/// subscription and reason in its headers. The other subscriptions' deliveries are not held up
/// or repeated: the event is acknowledged. Only a failure of the store rejects it, for the bus to deliver it again.
public final class WebhookDispatcher: MessageHandler, Service, Sendable {
    /// Where the subscriptions are kept.
    public let store: any SubscriptionStore
    /// Which URLs may be registered and delivered to.
    public let targetPolicy: TargetPolicy
    /// When to retry a failed request and how long to wait.
    public let retry: DeliveryPolicy
    /// How long after its first request a delivery may still be retried.
    public let retryPeriod: Duration
    /// How long one request may take.
    public let timeout: Duration
    /// Where deliveries given up are set aside, or `nil` for nowhere.
    public let deadLetterTopic: String?

    private let client: HTTPClient
    private let logger: Logger
    private let sleep: @Sendable (Duration) async throws -> Void
    private let startStopwatch: @Sendable () -> @Sendable () -> Duration
    private let now: @Sendable () -> Date

    /// Creates a dispatcher with an HTTP client of its own, which follows no redirects.
    ///
    /// - Parameters:
    ///   - store: Where the subscriptions are kept.
    ///   - targetPolicy: Which URLs may be registered and delivered to. Default:
    ///     ``TargetPolicy/publicOnly``.
    ///   - retry: When to retry and how long to wait. Default: 8 tries, waits from 1 s doubling
    ///     up to 60 s, and a `Retry-After` of at most 10 minutes.
    ///   - retryPeriod: How long after its first request a delivery may still be retried.
    ///     Default: 15 minutes.
    ///   - timeout: How long one request may take. Default: 10 s.
    ///   - deadLetterTopic: Where deliveries given up are set aside. Default: `nil`, nowhere.
    ///   - clock: The clock waits are measured on. Default: `ContinuousClock`.
    ///   - now: The wall clock, for `webhook-timestamp`. Default: the system's.
    ///   - logger: Where the dispatcher logs. Default: a logger labelled
    ///     `ChannelAdapterHTTP.webhooks`.
    public init(
        store: any SubscriptionStore,
        targetPolicy: TargetPolicy = .publicOnly,
        retry: DeliveryPolicy = DeliveryPolicy(),
        retryPeriod: Duration = .seconds(900),
        timeout: Duration = .seconds(10),
        deadLetterTopic: String? = nil,
        clock: some Clock<Duration> = ContinuousClock(),
        now: @escaping @Sendable () -> Date = Date.init,
        logger: Logger = Logger(label: "ChannelAdapterHTTP.webhooks")
    ) {
        self.store = store
        self.targetPolicy = targetPolicy
        self.retry = retry
        self.retryPeriod = retryPeriod
        self.timeout = timeout
        self.deadLetterTopic = deadLetterTopic
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        self.logger = logger
        self.sleep = { try await clock.sleep(for: $0) }
        self.startStopwatch = {
            let start = clock.now
            return { start.duration(to: clock.now) }
        }
        self.now = now
    }

    // MARK: - Subscriptions

    /// Registers a subscription, after checking its URL against the ``targetPolicy``.
    ///
    /// - Parameters:
    ///   - url: The endpoint: an absolute `http` or `https` URL.
    ///   - eventTypes: The event types to deliver; `WebhookSubscription.allEvents` for all.
    ///   - secret: The signing secret. Default: a new random one; read it from the returned
    ///     subscription and hand it to the receiver.
    ///   - id: The subscription's id. Default: a new random one.
    /// - Returns: The subscription stored.
    /// - Throws: `ChannelAdapterError` — `targetRefused` naming the URL and why,
    ///   `invalidConfiguration` for no event type, `duplicateSubscription` for an id taken, or
    ///   the store's failure.
    @discardableResult
    public func register(
        url: String,
        eventTypes: Set<String>,
        secret: WebhookSecret = .generate(),
        id: String = WebhookSubscription.makeID()
    ) async throws -> WebhookSubscription {
        try await targetPolicy.check(url)
        let subscription = WebhookSubscription(
            id: id,
            url: url,
            eventTypes: eventTypes,
            secret: secret.encoded,
            createdAt: now()
        )
        try await store.register(subscription)
        logger.info("Registered webhook subscription", metadata: ["subscription": "\(id)", "url": "\(url)"])
        return subscription
    }

    // MARK: - Delivering

    /// Delivers `message` to every enabled subscription of its `type`, at once, each retried
    /// as the policy says.
    ///
    /// - Returns: One report per subscription, in the store's order.
    /// - Throws: The store's failure to list the subscriptions, or `CancellationError`.
    public func dispatch(_ message: Message) async throws -> [WebhookDeliveryReport] {
        let subscriptions = try await store.subscriptions(for: message.type)
        return try await withThrowingTaskGroup(of: (Int, WebhookDeliveryReport).self) { group in
            for (index, subscription) in subscriptions.enumerated() {
                group.addTask { (index, try await self.deliver(message, to: subscription)) }
            }
            var reports: [(Int, WebhookDeliveryReport)] = []
            for try await report in group {
                reports.append(report)
            }
            return reports.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// Delivers the message to its subscriptions; see the type's description.
    nonisolated(nonsending) public func handle(_ message: Message, context: HandlerContext) async throws
        -> [OutgoingMessage]
    {
        var deadLetters: [OutgoingMessage] = []
        for report in try await dispatch(message) {
            switch report.outcome {
            case .delivered:
                continue
            case .disabled(let reason):
                await context.notify(
                    BusNotification(
                        .webhookDisabled,
                        summary: "Webhook subscription \(report.subscriptionID) was disabled: \(reason)",
                        context: context
                    )
                )
            case .failed(let error):
                var notification = BusNotification(
                    .webhookFailed,
                    summary: "Event \(message.id) was not delivered to webhook subscription "
                        + "\(report.subscriptionID) after \(report.attempts) tries: \(error.reason)",
                    context: context,
                    error: error
                )
                notification.attempts = report.attempts
                notification.deadLetterTopic = deadLetterTopic
                await context.notify(notification)
                if let deadLetterTopic {
                    var deadLetter = message.deadLettered(
                        reason: error.code.name,
                        error: error.reason,
                        sourceTopic: context.topic,
                        group: context.group,
                        handler: context.handler,
                        attempts: report.attempts,
                        time: now()
                    )
                    deadLetter.headers[Self.subscriptionHeader] = report.subscriptionID
                    deadLetters.append(OutgoingMessage(deadLetter, to: deadLetterTopic))
                }
            }
        }
        return deadLetters
    }

    /// The header naming the subscription of a dead-lettered event.
    public static let subscriptionHeader = "webhook-subscription"

    private func deliver(_ message: Message, to subscription: WebhookSubscription) async throws
        -> WebhookDeliveryReport
    {
        var attempts = 0
        func report(_ outcome: WebhookDeliveryReport.Outcome) -> WebhookDeliveryReport {
            WebhookDeliveryReport(
                subscriptionID: subscription.id,
                url: subscription.url,
                messageID: message.id,
                attempts: attempts,
                outcome: outcome
            )
        }
        let signer: WebhookSigner
        do throws(SecurityError) {
            signer = WebhookSigner(secrets: [try WebhookSecret(subscription.secret)])
        } catch {
            return report(
                .failed(
                    ChannelAdapterError(
                        .invalidConfiguration,
                        "The secret of webhook subscription '\(subscription.id)' is unusable: \(error.reason)",
                        item: subscription.id
                    )
                )
            )
        }
        let elapsed = startStopwatch()
        while true {
            try Task.checkCancellation()
            attempts += 1
            let decision: DeliveryDecision
            var status = 0
            if let refused = await refusal(of: subscription.url) {
                // A refused address is final; a name that did not resolve may resolve next time.
                guard refused.isRetriable else { return report(.failed(refused)) }
                decision = retry.decision(error: refused, attempt: attempts)
            } else {
                switch await post(message, to: subscription, signer: signer) {
                case .failure(let error):
                    if Task.isCancelled { throw CancellationError() }
                    decision = retry.decision(
                        error: HTTPFailure.exchange(error, url: subscription.url, method: "POST", adapter: nil),
                        attempt: attempts
                    )
                case .success(let answer):
                    status = answer.status
                    if answer.status == 410 {
                        let reason = "its endpoint \(subscription.url) answered 410 Gone"
                        do {
                            try await store.disable(subscription.id, reason: reason, at: now())
                        } catch let error as ChannelAdapterError where error.code == .subscriptionNotFound {
                            // Deleted meanwhile: it gets no more deliveries either way.
                        } catch {
                            return report(
                                .failed(
                                    ChannelAdapterError(
                                        .storeFailed,
                                        "The endpoint \(subscription.url) answered 410 Gone, but disabling subscription "
                                            + "'\(subscription.id)' failed: \(error)",
                                        item: subscription.id,
                                        underlying: error
                                    )
                                )
                            )
                        }
                        logger.warning(
                            "Disabled webhook subscription",
                            metadata: ["subscription": "\(subscription.id)", "reason": "\(reason)"]
                        )
                        return report(.disabled(reason: reason))
                    }
                    if (300...399).contains(answer.status) {
                        let location = answer.location.map { " to \($0)" } ?? ""
                        return report(
                            .failed(
                                ChannelAdapterError(
                                    .rejected,
                                    "The endpoint \(subscription.url) answered \(answer.status), redirecting\(location); "
                                        + "webhooks follow no redirects.",
                                    isRetriable: false,
                                    item: subscription.id,
                                    statusCode: answer.status
                                )
                            )
                        )
                    }
                    decision = retry.decision(
                        statusCode: answer.status,
                        retryAfter: answer.retryAfter,
                        attempt: attempts,
                        now: now()
                    )
                }
            }
            if case .delivered = decision {
                return report(.delivered(statusCode: status))
            }
            if let failure = try await wait(
                after: decision,
                attempts: attempts,
                subscription: subscription,
                elapsed: elapsed
            ) {
                return report(.failed(failure))
            }
        }
    }

    /// Why the target policy refuses `url` now, or `nil` when it may be called.
    private func refusal(of url: String) async -> ChannelAdapterError? {
        do throws(ChannelAdapterError) {
            try await targetPolicy.check(url)
            return nil
        } catch {
            return error
        }
    }

    /// Waits out a retry `decision`, returning `nil` to try again; returns the failure to report
    /// instead when the decision gives up or the next try would come after the retry period.
    ///
    /// - Throws: `CancellationError` when cancelled or when graceful shutdown starts during the
    ///   wait: the bus then delivers the event again later, and the endpoints that got it
    ///   already tell it by its `webhook-id`.
    private func wait(
        after decision: DeliveryDecision,
        attempts: Int,
        subscription: WebhookSubscription,
        elapsed: () -> Duration
    ) async throws -> ChannelAdapterError? {
        switch decision {
        case .delivered:
            return nil
        case .deadLetter(var error):
            error.item = subscription.id
            return error
        case .retry(let delay):
            guard elapsed() + delay <= retryPeriod else {
                return ChannelAdapterError(
                    .retriesExhausted,
                    "Gave up delivering to \(subscription.url) after \(attempts) tries: the next would "
                        + "come after the retry period of \(retryPeriod).",
                    isRetriable: false,
                    item: subscription.id
                )
            }
            logger.debug(
                "Retrying webhook delivery",
                metadata: ["subscription": "\(subscription.id)", "attempt": "\(attempts)", "delay": "\(delay)"]
            )
            try await cancelWhenGracefulShutdown { try await self.sleep(delay) }
            return nil
        }
    }

    /// What an endpoint answered, as far as the dispatcher cares.
    private struct Answer: Sendable {
        let status: Int
        let retryAfter: String?
        let location: String?
    }

    /// Sends one signed request, returning the answer or the error that kept it from coming.
    private func post(_ message: Message, to subscription: WebhookSubscription, signer: WebhookSigner) async
        -> Result<Answer, any Error>
    {
        var request = HTTPClientRequest(url: subscription.url)
        request.method = .POST
        request.headers.add(name: "content-type", value: message.dataContentType ?? "application/json")
        request.headers.add(name: "user-agent", value: "swift-integration-patterns-webhooks")
        for (name, value) in signer.headers(id: message.id, timestamp: now(), body: message.payload) {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(ByteBuffer(bytes: message.payload))
        do {
            let response = try await client.execute(request, timeout: TimeAmount(timeout))
            // The answer's body is not needed; reading a little lets the connection be reused.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return .success(
                Answer(
                    status: Int(response.status.code),
                    retryAfter: response.headers.first(name: "retry-after"),
                    location: response.headers.first(name: "location")
                )
            )
        } catch {
            return .failure(error)
        }
    }

    // MARK: - Service

    /// Waits for graceful shutdown or cancellation, then shuts the HTTP client down.
    public func run() async throws {
        try? await gracefulShutdown()
        try await shutdown()
    }

    /// Shuts the HTTP client down; call it when the dispatcher is not run as a service.
    public func shutdown() async throws {
        try await client.shutdown()
    }
}

extension BusNotification.Kind {
    /// A webhook subscription was disabled because its endpoint answered `410 Gone`.
    public static let webhookDisabled = BusNotification.Kind("webhookDisabled")
    /// An event could not be delivered to a webhook subscription: its URL was refused, its
    /// endpoint refused the event, or it kept failing for longer than allowed.
    public static let webhookFailed = BusNotification.Kind("webhookFailed")
}
