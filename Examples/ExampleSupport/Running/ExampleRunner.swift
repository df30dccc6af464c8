import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle

/// Runs an example's process: its application until SIGTERM or SIGINT, or, with a demo, until
/// the demo is done.
public enum ExampleRunner {
    /// Runs `application` in a `ServiceGroup` that shuts down gracefully on SIGTERM and SIGINT.
    ///
    /// With `demo`, runs it beside the application and shuts the application down when it ends.
    /// Any error is printed to standard error as `error: …`.
    ///
    /// - Parameters:
    ///   - application: The example's services, as one service.
    ///   - label: The service group's logger label: the example's name.
    ///   - demo: The requests to send to the running application, or `nil` to serve until a signal.
    /// - Throws: `ExitCode.failure` when the application or the demo failed.
    public static func run(
        _ application: some Service,
        label: String,
        demo: (@Sendable () async throws -> Void)? = nil
    ) async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: [application],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: Logger(label: label)
            )
        )
        do {
            guard let demo else {
                try await group.run()
                return
            }
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                tasks.addTask {
                    do {
                        try await demo()
                    } catch {
                        await group.triggerGracefulShutdown()
                        throw error
                    }
                    await group.triggerGracefulShutdown()
                }
                try await tasks.waitForAll()
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
