import ChannelAdapter
import Hummingbird
import MessageSecurity

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// HTTP routes to manage a dispatcher's webhook subscriptions: register, list and delete.
///
/// Added to a router group, say `webhooks/subscriptions`, the routes are:
///
/// | Route | Answer |
/// | --- | --- |
/// | `POST /` with `{"url": …, "eventTypes": […]}` | `201` and the subscription, with its secret — the only time the secret is shown. |
/// | `GET /` | `200` and every subscription, without secrets. |
/// | `GET /{id}` | `200` and the subscription, without its secret, or `404`. |
/// | `DELETE /{id}` | `204`, or `404` for an unknown id. |
///
/// A URL the dispatcher's target policy refuses, or a registration without event types, is
/// answered `422` naming why; a body that is not such JSON, `400`.
///
/// The routes change where the dispatcher sends requests: put them behind authentication.
public struct WebhookSubscriptionRoutes: Sendable {
    /// The dispatcher whose subscriptions the routes manage.
    public let dispatcher: WebhookDispatcher

    /// Creates the routes of `dispatcher`.
    public init(dispatcher: WebhookDispatcher) {
        self.dispatcher = dispatcher
    }

    /// What a client posts to register a subscription.
    public struct Registration: Codable, Sendable {
        /// The endpoint.
        public var url: String
        /// The event types to deliver; `*` for all.
        public var eventTypes: [String]
    }

    /// A subscription as the routes show it.
    public struct Description: Codable, Sendable, Equatable {
        /// The subscription's id.
        public var id: String
        /// The endpoint.
        public var url: String
        /// The event types delivered, sorted.
        public var eventTypes: [String]
        /// The signing secret: present only in the answer to a registration.
        public var secret: String?
        /// When it was registered.
        public var createdAt: Date
        /// Why it takes no deliveries, if it does not.
        public var disabledReason: String?

        init(_ subscription: WebhookSubscription, showingSecret: Bool) {
            id = subscription.id
            url = subscription.url
            eventTypes = subscription.eventTypes.sorted()
            secret = showingSecret ? subscription.secret : nil
            createdAt = subscription.createdAt
            disabledReason = subscription.disabledReason
        }
    }

    /// Adds the routes to `router`, typically a group such as `router.group("webhooks/subscriptions")`.
    public func add<Context: RequestContext>(to router: some RouterMethods<Context>) {
        router.post { request, context -> Response in
            let registration: Registration
            do {
                registration = try await request.decode(as: Registration.self, context: context)
            } catch {
                throw HTTPError(.badRequest, message: "The body is not {\"url\": …, \"eventTypes\": […]}: \(error)")
            }
            let subscription = try await Self.answering {
                try await dispatcher.register(url: registration.url, eventTypes: Set(registration.eventTypes))
            }
            return try Self.json(Description(subscription, showingSecret: true), status: .created)
        }
        router.get { _, _ -> Response in
            let subscriptions = try await Self.answering { try await dispatcher.store.list() }
            return try Self.json(subscriptions.map { Description($0, showingSecret: false) })
        }
        router.get(":id") { _, context -> Response in
            let id = try context.parameters.require("id")
            let subscription = try await Self.answering {
                guard let subscription = try await dispatcher.store.subscription(id) else {
                    throw ChannelAdapterError.subscriptionNotFound(id)
                }
                return subscription
            }
            return try Self.json(Description(subscription, showingSecret: false))
        }
        router.delete(":id") { _, context -> HTTPResponse.Status in
            let id = try context.parameters.require("id")
            try await Self.answering { try await dispatcher.store.delete(id) }
            return .noContent
        }
    }

    /// `value` as JSON, with sorted keys, slashes unescaped and ISO 8601 dates.
    private static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value)))
        )
    }

    /// Runs `body`, answering the adapter's errors with the statuses they call for.
    private static func answering<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as ChannelAdapterError {
            switch error.code {
            case .targetRefused, .invalidConfiguration: throw HTTPError(.unprocessableContent, message: error.reason)
            case .duplicateSubscription: throw HTTPError(.conflict, message: error.reason)
            case .subscriptionNotFound: throw HTTPError(.notFound, message: error.reason)
            case .storeFailed: throw HTTPError(.serviceUnavailable, message: error.reason)
            default: throw error
            }
        }
    }
}
