import Logging
import Messaging
import ServiceLifecycle

/// A logger that keeps the output of example tests quiet: errors and worse only.
public let quietLogger: Logger = {
    var logger = Logger(label: "ExampleTests")
    logger.logLevel = .error
    return logger
}()

/// Runs `services` — an example's applications — around `body`, then shuts them down
/// gracefully, the last one first.
public func running(
    _ services: [any Service],
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws -> Void
) async throws {
    try await withRunningServices(services, logger: quietLogger, body)
}
