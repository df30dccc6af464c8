import Hummingbird
import Logging
import ServiceLifecycle

/// The ports an example's HTTP servers listen on, reported as each server starts.
///
/// A server configured for port 0 listens on a port the system chooses; tests and the demo ask
/// here which one it got.
public actor BoundPorts {
    private var ports: [String: Int] = [:]
    private var waiters: [String: [CheckedContinuation<Int, any Error>]] = [:]
    private var failure: ExampleError?

    /// Creates an empty list.
    public init() {}

    /// An HTTP server named `name` for `router`, which reports its port here once it listens.
    ///
    /// Every server also answers the operations routes: `GET /metrics` with `metrics` and
    /// `GET /health`; see ``OperationsRoutes``.
    public nonisolated func server(
        _ name: String,
        host: String,
        port: Int,
        router: Router<BasicRequestContext>,
        metrics: ExampleMetrics,
        logger: Logger
    ) -> any Service {
        OperationsRoutes(metrics: metrics).add(to: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                await self.bound(name, to: channel.localAddress?.port ?? port)
            },
            logger: logger
        )
    }

    /// Records that the server `name` listens on `port`.
    public func bound(_ name: String, to port: Int) {
        ports[name] = port
        for waiter in waiters.removeValue(forKey: name) ?? [] {
            waiter.resume(returning: port)
        }
    }

    /// Fails every wait that has not been answered, and every later one that cannot be.
    public func finish(_ error: ExampleError) {
        failure = error
        for waiter in waiters.values.joined() {
            waiter.resume(throwing: error)
        }
        waiters.removeAll()
    }

    /// The port the server `name` listens on, once it listens.
    ///
    /// - Throws: The error given to ``finish(_:)`` when the servers stopped first.
    public func port(of name: String) async throws(ExampleError) -> Int {
        if let port = ports[name] { return port }
        if let failure { throw failure }
        do {
            return try await withCheckedThrowingContinuation { waiters[name, default: []].append($0) }
        } catch {
            throw error as? ExampleError ?? ExampleError("\(error)")
        }
    }
}
