import Prometheus

/// The metrics of one example process, kept for `GET /metrics`.
///
/// Give ``factory`` to every `Bus` of the process: its counters, handler durations and
/// consumer lag are then answered in Prometheus' text format.
public struct ExampleMetrics: Sendable {
    /// Where the metrics are kept.
    public let registry: PrometheusCollectorRegistry
    /// A metrics factory that records into ``registry``: timers become histograms in seconds.
    public let factory: PrometheusMetricsFactory

    /// Creates an empty registry, apart from the process-wide `MetricsSystem`.
    public init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        self.factory = PrometheusMetricsFactory(registry: registry)
    }

    /// Every metric, in Prometheus' text exposition format.
    public var text: String {
        registry.emitToString()
    }
}
