import ExampleSupport
import Foundation
import Heartbeat
import Hummingbird
import MessageBus
import MessageBusWebhook
import Synchronization

/// The seed's heartbeat on :5020: a `HeartbeatMonitor` of every side's beats, its health report,
/// and the alerts it raised.
///
/// - `GET /hearbeat` (the seed's spelling) and `GET /heartbeat`: the `HealthReport`, as
///   `application/health+json`; 200 while every side is up (`pass` or `warn`), 503 when one is
///   down (`fail`).
/// - `GET /alerts`: every alert the monitor raised — a side dead, restored, a check failing or
///   recovered — oldest first.
/// - `POST /webhook`: a local endpoint for the alerts' webhook, standing in for a chat or an
///   incident tool: it keeps each notification posted to it; `GET /webhook` lists them.
struct MonitorApplication: Sendable {
    /// The sides the monitor expects, each with at least one instance.
    static let services = ["commands", "queries", "updater", "gateway"]

    let monitor: HeartbeatMonitor
    let alerts: AlertLog
    /// What was posted to `POST /webhook`.
    let received = AlertList()

    /// Adds the monitor's routes to `router`.
    func addRoutes(to router: Router<BasicRequestContext>) {
        for path in ["hearbeat", "heartbeat"] {
            router.get(RouterPath(path)) { _, _ in
                let report = await monitor.report()
                return Response(
                    status: HTTPResponse.Status(code: report.httpStatus),
                    headers: [.contentType: HealthReport.contentType],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: try report.encoded() + Data("\n".utf8)))
                )
            }
        }
        router.get("alerts") { _, _ in
            Response.json(.object([("alerts", .array(alerts.all.map(\.json)))]))
        }
        router.post("webhook") { request, _ in
            let body = try await request.body.collect(upTo: 64 * 1024)
            let alert: AlertLog.Alert
            do {
                alert = try JSONDecoder().decode(AlertLog.Alert.self, from: Data(buffer: body))
            } catch let error as DecodingError {
                throw APIError.invalidBody(error)
            }
            received.append(alert)
            return Response(status: .noContent)
        }
        router.get("webhook") { _, _ in
            Response.json(.object([("received", .array(received.all.map(\.json)))]))
        }
    }
}

/// Alerts kept in memory, oldest first.
final class AlertList: Sendable {
    private let alerts = Mutex<[AlertLog.Alert]>([])

    /// Every alert, oldest first.
    var all: [AlertLog.Alert] { alerts.withLock { $0 } }

    /// Keeps `alert`.
    func append(_ alert: AlertLog.Alert) {
        alerts.withLock { $0.append(alert) }
    }
}

/// The monitor's notifier: logs each alert, as the bus's `LoggingNotifier` does, keeps it for
/// `GET /alerts`, and posts it to the alerts' webhook.
final class AlertLog: Notifier {
    /// One alert, as kept, and as read back from a webhook's body.
    struct Alert: Sendable, Codable {
        var kind: String
        var service: String?
        var reason: String?
        var summary: String

        /// The alert as the routes answer it.
        var json: JSONValue {
            .object([
                ("kind", .string(kind)),
                ("service", service.map(JSONValue.string) ?? .null),
                ("reason", reason.map(JSONValue.string) ?? .null),
                ("summary", .string(summary)),
            ])
        }
    }

    private let alerts = AlertList()
    private let logging: LoggingNotifier
    private let webhook: @Sendable () async throws -> String

    /// Logs with `logging` and posts to the URL `webhook` gives, asked at each alert.
    init(logging: LoggingNotifier, webhook: @escaping @Sendable () async throws -> String) {
        self.logging = logging
        self.webhook = webhook
    }

    /// Every alert, oldest first.
    var all: [Alert] { alerts.all }

    func notify(_ notification: BusNotification) async throws {
        alerts.append(
            Alert(
                kind: notification.kind.description,
                service: notification.service,
                reason: notification.reason,
                summary: notification.summary
            )
        )
        try await logging.notify(notification)
        try await WebhookNotifier(url: webhook()).notify(notification)
    }
}
