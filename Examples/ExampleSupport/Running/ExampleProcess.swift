import Logging
import ServiceLifecycle

/// One process of an example: its transport, buses and HTTP servers, run as one service that
/// starts them in that order and stops them in the reverse.
public final class ExampleProcess: Service {
    /// The ports the process's servers listen on.
    public let ports: BoundPorts
    /// The metrics the process's buses record and its servers answer.
    public let metrics: ExampleMetrics
    private let services: [any Service]
    private let logger: Logger

    /// Creates the process.
    ///
    /// - Parameters:
    ///   - services: What runs, in start order: the transport first, the servers last.
    ///   - ports: Where the servers among `services` report their ports.
    ///   - metrics: The metrics of the process.
    ///   - logger: The service group's logger.
    public init(services: [any Service], ports: BoundPorts, metrics: ExampleMetrics, logger: Logger) {
        self.services = services
        self.ports = ports
        self.metrics = metrics
        self.logger = logger
    }

    /// Runs everything until graceful shutdown or cancellation; then every wait for a port that
    /// was not answered fails.
    public func run() async throws {
        do {
            try await ServiceGroup(configuration: .init(services: services, logger: logger)).run()
            await ports.finish(ExampleError("the example stopped before its servers started"))
        } catch {
            await ports.finish(ExampleError("the example stopped: \(error)"))
            throw error
        }
    }
}
