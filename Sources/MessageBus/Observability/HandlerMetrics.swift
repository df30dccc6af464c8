import Metrics

/// The metrics of one handler, created once when it is registered.
///
/// Every metric carries the dimensions `handler`, `topic` and `group`. The lag gauge is recorded
/// only on transports that conform to `ConsumerLagReporting`.
struct HandlerMetrics: Sendable {
    let handled: Counter
    let failed: Counter
    let retried: Counter
    let deadLettered: Counter
    let duplicates: Counter
    let filtered: Counter
    let duration: Timer
    let lag: Gauge

    init(handler: String, topic: String, group: String, factory: any MetricsFactory) {
        let dimensions = [("handler", handler), ("topic", topic), ("group", group)]
        handled = Counter(label: "messagebus_handled_total", dimensions: dimensions, factory: factory)
        failed = Counter(label: "messagebus_failed_total", dimensions: dimensions, factory: factory)
        retried = Counter(label: "messagebus_retried_total", dimensions: dimensions, factory: factory)
        deadLettered = Counter(label: "messagebus_dead_lettered_total", dimensions: dimensions, factory: factory)
        duplicates = Counter(label: "messagebus_duplicates_total", dimensions: dimensions, factory: factory)
        filtered = Counter(label: "messagebus_filtered_total", dimensions: dimensions, factory: factory)
        duration = Timer(label: "messagebus_handler_duration_seconds", dimensions: dimensions, factory: factory)
        lag = Gauge(label: "messagebus_consumer_lag", dimensions: dimensions, factory: factory)
    }
}
