import Logging
import ServiceLifecycle
import Synchronization

/// A service that can be stopped hard and started again while the process runs — what the demo
/// does to a side's heartbeat emitter to show the monitor a side that died and came back.
///
/// ``stop()`` cancels the running service, as a killed process would end it: an emitter sends
/// no *stopping* beat. ``start()`` makes a new one with the factory — for an emitter, a new run
/// under the same instance id. On graceful shutdown of the process the running service is shut
/// down gracefully.
final class Restartable: Service, Sendable {
    private struct Running {
        var group: ServiceGroup
        var task: Task<Void, any Error>
    }

    private let make: @Sendable () throws -> any Service
    private let logger: Logger
    private let running = Mutex<Running?>(nil)

    /// Creates a service that runs what `make` returns, made again at each ``start()``.
    init(logger: Logger, make: @escaping @Sendable () throws -> any Service) {
        self.make = make
        self.logger = logger
    }

    /// Starts the service, runs until graceful shutdown or cancellation, then ends it.
    func run() async throws {
        try start()
        try? await gracefulShutdown()
        let current = running.withLock { running in
            defer { running = nil }
            return running
        }
        if Task.isCancelled {
            current?.task.cancel()
        } else {
            await current?.group.triggerGracefulShutdown()
        }
        _ = await current?.task.result
    }

    /// Whether the service runs.
    var isRunning: Bool {
        running.withLock { $0 != nil }
    }

    /// Makes and starts the service, unless it runs.
    func start() throws {
        try running.withLock { running in
            guard running == nil else { return }
            let group = ServiceGroup(configuration: .init(services: [try make()], logger: logger))
            running = Running(group: group, task: Task { try await group.run() })
        }
    }

    /// Cancels the service, as a kill would end it, and waits until it ended.
    func stop() async {
        let current = running.withLock { running in
            defer { running = nil }
            return running
        }
        current?.task.cancel()
        _ = await current?.task.result
    }
}
