import Hummingbird

/// The routes operators expect of every service, added to each example server:
///
/// - `GET /metrics`: the process's metrics in Prometheus' text exposition format (version 0.0.4).
/// - `GET /health`: liveness, `{"status": "ok"}` while the server answers.
public struct OperationsRoutes: Sendable {
    /// The content type of Prometheus' text exposition format.
    public static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The metrics `GET /metrics` answers.
    public let metrics: ExampleMetrics

    /// Creates the routes for `metrics`.
    public init(metrics: ExampleMetrics) {
        self.metrics = metrics
    }

    /// Adds `GET /metrics` and `GET /health` to `router`.
    public func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("metrics") { [metrics] _, _ in
            Response(
                status: .ok,
                headers: [.contentType: Self.metricsContentType],
                body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.text))
            )
        }
        router.get("health") { _, _ in
            Response.json(.object([("status", .string("ok"))]))
        }
    }
}
