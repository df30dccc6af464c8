import Messaging

/// Handles one message and returns the messages it produces.
///
/// The bus publishes what the handler returns, then acknowledges the handled message. If the
/// handler throws, the bus rejects the message so the transport delivers it again; middleware
/// such as ``Retry`` and ``DeadLetterChannel`` decide what happens before that.
public protocol MessageHandler: Sendable {
    /// Handles `message` and returns what it produces, or throws to reject it.
    nonisolated(nonsending) func handle(_ message: Message, context: HandlerContext) async throws -> [OutgoingMessage]
}

/// The rest of a handler's chain, as a middleware sees it: the next middleware, and at the end
/// the handler.
public typealias NextHandler =
    nonisolated(nonsending) @Sendable (Message, HandlerContext) async throws -> [OutgoingMessage]

/// Wraps a handler: runs code before and after it, changes the message it sees, replaces what
/// it returns, or handles what it throws.
///
/// A middleware calls `next` to continue the chain (or doesn't, to stop the message there):
///
/// ```swift
/// struct Stamp: MessageMiddleware {
///     func handle(_ message: Message, context: HandlerContext, next: NextHandler) async throws -> [OutgoingMessage] {
///         var message = message
///         message.headers["seen-by"] = context.handler
///         return try await next(message, context)
///     }
/// }
/// ```
///
/// Bus-level middleware (``Bus/use(_:)``) wraps every handler, outermost first; handler-level
/// middleware wraps one handler, inside the bus-level ones.
///
/// The bus calls the chain on the task that handles the message, and `handle` is
/// `nonisolated(nonsending)`: it runs on its caller's executor, so passing a message down the
/// chain switches no executor. A conforming type may declare its `handle` the same way; one
/// declared without it conforms too, and is called through a switch to the global executor.
public protocol MessageMiddleware: Sendable {
    /// Handles `message`, calling `next` to continue the chain.
    nonisolated(nonsending) func handle(_ message: Message, context: HandlerContext, next: NextHandler) async throws
        -> [OutgoingMessage]
}

/// A handler written as a closure.
struct ClosureHandler: MessageHandler {
    let body: NextHandler

    nonisolated(nonsending) func handle(_ message: Message, context: HandlerContext) async throws -> [OutgoingMessage] {
        try await body(message, context)
    }
}

extension Array where Element == any MessageMiddleware {
    /// `handler` wrapped in these middlewares, the first one outermost.
    func wrapping(_ handler: some MessageHandler) -> NextHandler {
        var chain: NextHandler = { message, context in try await handler.handle(message, context: context) }
        for middleware in reversed() {
            let next = chain
            chain = { message, context in try await middleware.handle(message, context: context, next: next) }
        }
        return chain
    }
}
