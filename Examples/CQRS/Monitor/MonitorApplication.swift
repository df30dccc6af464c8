import ExampleSupport
import Foundation
import Heartbeat
import Hummingbird
import MessageBus
import Synchronization

/// The seed's heartbeat on :5020: a `HeartbeatMonitor` of every side's beats, its health report,
/// and the alerts it raised.
///
/// - `GET /hearbeat` (the seed's spelling) and `GET /heartbeat`: the `HealthReport`, as
///   `application/health+json`; 200 while every side is up (`pass` or `warn`), 503 when one is
///   down (`fail`).
/// - `GET /alerts`: every alert the monitor raised — a side dead, restored, a check failing or
///   recovered — oldest first.
struct MonitorApplication: Sendable {
    /// The sides the monitor expects, each with at least one instance.
    static let services = ["commands", "queries", "updater", "gateway"]

    let monitor: HeartbeatMonitor
    let alerts: AlertLog

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
            let alerts = alerts.all.map { alert in
                JSONValue.object([
                    ("kind", .string(alert.kind)),
                    ("service", alert.service.map(JSONValue.string) ?? .null),
                    ("reason", alert.reason.map(JSONValue.string) ?? .null),
                    ("summary", .string(alert.summary)),
                ])
            }
            return Response.json(.object([("alerts", .array(alerts))]))
        }
    }
}

/// The monitor's notifier: logs each alert, as the bus's `LoggingNotifier` does, and keeps it
/// for `GET /alerts`.
final class AlertLog: Notifier {
    /// One alert, as kept.
    struct Alert: Sendable {
        var kind: String
        var service: String?
        var reason: String?
        var summary: String
    }

    private let alerts = Mutex<[Alert]>([])
    private let logging: LoggingNotifier

    init(logging: LoggingNotifier) {
        self.logging = logging
    }

    /// Every alert, oldest first.
    var all: [Alert] { alerts.withLock { $0 } }

    func notify(_ notification: BusNotification) async throws {
        alerts.withLock {
            $0.append(
                Alert(
                    kind: notification.kind.description,
                    service: notification.service,
                    reason: notification.reason,
                    summary: notification.summary
                )
            )
        }
        try await logging.notify(notification)
    }
}
