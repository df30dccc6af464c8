import Logging
import ServiceLifecycle

/// Runs `services` in one service group around `body`, then shuts them down gracefully, the last
/// one first, and returns what `body` returned.
///
/// For tests and test kits: `body` starts as soon as the group runs, so it waits itself for what
/// it needs to be ready.
///
/// - Throws: The error `body` threw, or the error a service threw.
package func withRunningServices<Result>(
    _ services: [any Service],
    logger: Logger,
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws -> Result
) async throws -> Result {
    let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let result: Result
        do {
            result = try await body()
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return result
    }
}
