import ChannelAdapter
import ChannelAdapterHTTP
import ChannelAdapterSQLite
import Foundation
import Logging
import MessageBus
import Messaging
import Metrics
import ServiceLifecycle

/// The adapter's two links to the ERP, started once the ERP's address is known — at once for
/// an ERP elsewhere, once it listens for the ERP of the same process:
///
/// - a `PollingAdapter` over an `HTTPPollingSource` of `GET /orders?after=CURSOR`, which
///   publishes each page on ``Topics/purchaseOrders`` and then commits its cursor in the
///   adapter's SQLite database;
/// - an `HTTPGateway` that consumes ``Topics/confirmations`` and sends each as
///   `PUT /orders/{id}/status` with the message id as `Idempotency-Key`: retried on 408, 429,
///   5xx and failed connections after the policy's wait or the ERP's `Retry-After`, set aside
///   on `confirmations.dead` with a notification on any other answer; up to 8 calls at once,
///   one order's calls in order.
final class ERPLink: Service {
    /// Where confirmations the ERP refused go.
    static let deadLetterTopic = Topics.confirmations + ".dead"

    private let erpURL: @Sendable () async throws -> String
    private let bus: Bus
    private let cursors: any CursorStore
    private let pollBackoff: Backoff
    private let updatePolicy: DeliveryPolicy
    private let metricsFactory: any MetricsFactory
    private let logger: Logger

    /// Creates the links; nothing runs until ``run()``.
    ///
    /// - Parameters:
    ///   - erpURL: The ERP's base URL, such as `http://127.0.0.1:5010`, once known.
    ///   - bus: The adapter's bus: the polling adapter publishes on it, the gateway consumes
    ///     its transport and dead-letters on it.
    ///   - cursors: Where the polling adapter keeps its cursor.
    ///   - pollBackoff: The waits between polls that found nothing.
    ///   - updatePolicy: When an ERP update is tried again.
    ///   - metricsFactory: Where the links' metrics go.
    ///   - logger: Where they log.
    init(
        erpURL: @escaping @Sendable () async throws -> String,
        bus: Bus,
        cursors: any CursorStore,
        pollBackoff: Backoff,
        updatePolicy: DeliveryPolicy,
        metricsFactory: any MetricsFactory,
        logger: Logger
    ) {
        self.erpURL = erpURL
        self.bus = bus
        self.cursors = cursors
        self.pollBackoff = pollBackoff
        self.updatePolicy = updatePolicy
        self.metricsFactory = metricsFactory
        self.logger = logger
    }

    /// The page of `GET /orders`.
    private struct OrdersPage: Decodable, Sendable {
        var orders: [PurchaseOrder]
        var nextCursor: String?

        enum CodingKeys: String, CodingKey {
            case orders
            case nextCursor = "next_cursor"
        }
    }

    /// The polling adapter and the gateway for the ERP at `url`.
    func services(for url: String) throws -> [any Service] {
        let source = HTTPPollingSource<PurchaseOrder>(
            url: url + "/orders?limit=100",
            cursor: .query("after"),
            decoder: .json(
                OrdersPage.self,
                items: \.orders,
                nextCursor: { $0.orders.isEmpty ? nil : $0.nextCursor }
            ),
            timeout: .seconds(10)
        )
        let polling = try PollingAdapter(
            source: source,
            bus: bus,
            cursors: cursors,
            configuration: PollingConfiguration(
                name: "erp-orders",
                topic: Topics.purchaseOrders,
                idleBackoff: pollBackoff,
                failureBackoff: Backoff(initial: .milliseconds(200), maximum: .seconds(5))
            ),
            logger: logger,
            metricsFactory: metricsFactory
        )
        let gateway = try HTTPGateway(
            name: "erp-status",
            bus: bus,
            topic: Topics.confirmations,
            configuration: HTTPGatewayConfiguration(
                group: "adapter",
                maximumConcurrency: 8,
                timeout: .seconds(10),
                policy: updatePolicy,
                deadLetterTopic: Self.deadLetterTopic
            ),
            logger: logger,
            metricsFactory: metricsFactory
        ) { message in
            let confirmation = try message.decode(Confirmation.self)
            return HTTPGatewayRequest(
                method: .PUT,
                url: url + "/orders/\(confirmation.orderID)/status",
                body: Data(confirmation.statusUpdate.text.utf8)
            )
        }
        return [polling, gateway]
    }

    /// Waits for the ERP's address, then runs the polling adapter and the gateway until
    /// graceful shutdown.
    func run() async throws {
        let url: String
        do {
            url = try await cancelWhenGracefulShutdown { try await self.erpURL() }
        } catch is CancellationError where Task.isShuttingDownGracefully {
            return
        }
        logger.info("Linked to the ERP", metadata: ["url": "\(url)"])
        try await ServiceGroup(configuration: .init(services: services(for: url), logger: logger)).run()
    }
}
