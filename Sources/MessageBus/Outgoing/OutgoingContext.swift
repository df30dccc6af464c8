import Logging
import Messaging
import Tracing

/// What an outgoing middleware knows about a batch on its way out of a bus.
public struct OutgoingContext: Sendable {
    /// The bus that sends the batch.
    public let bus: Bus
    /// The handling the batch comes from — a handler's output or reply, or what a handler or
    /// middleware published through its context — or `nil` for a batch published with one of
    /// ``Bus``'s `publish` methods.
    public let handling: HandlerContext?
    /// The trace context the batch is sent in: the handler's span, or the producer span of
    /// ``Bus``'s `publish`.
    public var serviceContext: ServiceContext

    /// The handler's logger when the batch comes from a handling, otherwise the bus's.
    public var logger: Logger {
        handling?.logger ?? bus.logger
    }

    init(bus: Bus, handling: HandlerContext?, serviceContext: ServiceContext) {
        self.bus = bus
        self.handling = handling
        self.serviceContext = serviceContext
    }
}
