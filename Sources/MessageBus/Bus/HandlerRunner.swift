import Logging
import Messaging
import Metrics
import ServiceLifecycle
import Synchronization
import Tracing

/// Runs one registered handler: one member of its consumer group, with a lane per
/// ``Bus/HandlerOptions/concurrency`` so partitions are handled in parallel and each partition
/// in order. With a concurrency of 1 there are no lanes: the task that iterates the
/// subscription handles each delivery, which spares a hand-off between tasks per message.
final class HandlerRunner: Sendable {
    private struct State {
        var stopRequested = false
        var inFlight = 0
        var lagRecordedAt: ContinuousClock.Instant?
    }

    /// The shortest time between two readings of the consumer lag.
    static let lagInterval = Duration.seconds(1)

    let bus: Bus
    let registration: Bus.Registration
    private let chain: NextHandler
    private let metrics: HandlerMetrics
    private let lagReporter: (any ConsumerLagReporting)?
    /// The bus's logger with this handler's topic, group and name.
    private let logger: Logger
    private let spanName: String
    /// Where a message goes once it failed on its last allowed delivery.
    private let deadLetterTopic: String
    private let state = Mutex(State())
    private let stopRequested = Gate()
    private let idle = Gate()

    init(bus: Bus, registration: Bus.Registration, chain middleware: [any MessageMiddleware]) {
        self.bus = bus
        self.registration = registration
        self.chain = middleware.wrapping(registration.handler)
        self.lagReporter = bus.transport as? any ConsumerLagReporting
        var logger = bus.logger
        logger[metadataKey: "topic"] = .string(registration.topic)
        logger[metadataKey: "group"] = .string(registration.group)
        logger[metadataKey: "handler"] = .string(registration.name)
        self.logger = logger
        self.spanName = "\(registration.topic) process"
        self.deadLetterTopic = "\(registration.topic).dead"
        self.metrics = HandlerMetrics(
            handler: registration.name,
            topic: registration.topic,
            group: registration.group,
            factory: bus.metricsFactory
        )
    }

    /// Subscribes and handles messages until ``requestStop()`` or cancellation.
    func run() async throws {
        let deliveries: any DeliverySequence
        do {
            deliveries = try await bus.transport.subscribe(
                to: registration.topic,
                group: registration.group,
                options: registration.options.subscription
            )
        } catch {
            var failure = MessageBusError(
                .handlerFailed,
                "Handler '\(registration.name)' could not subscribe to '\(registration.topic)' as group '\(registration.group)'.",
                isRetriable: MessageBusError.isRetriable(error),
                underlying: error
            )
            failure.handler = registration.name
            failure.topic = registration.topic
            failure.group = registration.group
            throw failure
        }
        bus.handlerSubscribed()
        try await dispatch(deliveries)
    }

    /// Stops taking messages; running handlers finish, then the member leaves its group.
    func requestStop() {
        let isIdle = state.withLock { state in
            state.stopRequested = true
            return state.inFlight == 0
        }
        stopRequested.open()
        if isIdle {
            idle.open()
        }
    }

    private func dispatch(_ deliveries: some DeliverySequence) async throws {
        // One lane needs no hand-off: the iterating task handles each delivery itself.
        let laneCount = registration.options.concurrency
        let lanes = (0..<(laneCount > 1 ? laneCount : 0)).map { _ in AsyncStream<Delivery>.makeStream() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in lanes {
                group.addTask {
                    for await delivery in lane.stream {
                        await self.process(delivery)
                    }
                }
            }
            if let lagReporter {
                group.addTask {
                    await self.recordLagUntilStopped(lagReporter)
                }
            }
            group.addTask {
                // On cancellation the waits end early and the member leaves at once.
                try? await self.stopRequested.wait()
                try? await self.idle.wait()
                await deliveries.close()
            }
            var failure: (any Error)?
            do {
                for try await delivery in deliveries {
                    if lanes.isEmpty {
                        await process(delivery)
                    } else {
                        lanes[delivery.partition % lanes.count].continuation.yield(delivery)
                    }
                }
            } catch {
                failure = error
            }
            for lane in lanes {
                lane.continuation.finish()
            }
            requestStop()
            try await group.waitForAll()
            if let failure, !(failure is CancellationError) {
                logger.error(
                    "Subscription of handler '\(registration.name)' failed",
                    metadata: ["error": "\(failure)"]
                )
                throw failure
            }
        }
    }

    /// Records the consumer lag every ``lagInterval`` until the handler is asked to stop, so
    /// that the gauge keeps moving while no acknowledgement comes: a stuck handler's lag grows,
    /// and a transport that commits positions later than it acknowledges (Kafka) shows them.
    private func recordLagUntilStopped(_ lagReporter: any ConsumerLagReporting) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await self.stopRequested.wait()
            }
            group.addTask {
                while (try? await Task.sleep(for: Self.lagInterval)) != nil {
                    await self.recordLag()
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// Records the consumer lag, at most once per ``lagInterval``, if the transport reports it.
    nonisolated(nonsending) private func recordLag() async {
        guard let lagReporter else { return }
        let now = ContinuousClock.now
        let due = state.withLock { state in
            if let last = state.lagRecordedAt, last.duration(to: now) < Self.lagInterval { return false }
            state.lagRecordedAt = now
            return true
        }
        if due, let lag = await lagReporter.consumerLag(of: registration.group, on: registration.topic) {
            metrics.lag.record(lag)
        }
    }

    private func begin() -> Bool {
        state.withLock { state in
            guard !state.stopRequested else { return false }
            state.inFlight += 1
            return true
        }
    }

    private func end() {
        let isIdle = state.withLock { state in
            state.inFlight -= 1
            return state.stopRequested && state.inFlight == 0
        }
        if isIdle {
            idle.open()
        }
    }

    /// Handles one delivery: the chain, the outgoing messages, the success actions, then the
    /// acknowledgement; any failure rejects it for redelivery. After a stop request, deliveries
    /// are left unsettled for the group's next member.
    nonisolated(nonsending) private func process(_ delivery: Delivery) async {
        guard begin() else { return }
        defer { end() }
        let message = delivery.message
        var parent = ServiceContext.topLevel
        bus.tracer.extract(message.headers, into: &parent, using: HeaderExtractor())
        let span = bus.tracer.startSpan(spanName, context: parent, ofKind: .consumer)
        // A span that records nothing (no tracer bootstrapped) would build and drop them.
        if span.isRecording {
            span.attributes["messaging.destination.name"] = delivery.topic
            span.attributes["messaging.consumer.group.name"] = delivery.group
            span.attributes["messaging.message.id"] = message.id
            span.attributes["messaging.destination.partition.id"] = "\(delivery.partition)"
        }
        defer { span.end() }

        let context = HandlerContext(
            handler: registration.name,
            delivery: delivery,
            logger: logger,
            serviceContext: span.context,
            bus: bus,
            metrics: metrics,
            completion: CompletionActions()
        )
        let started = ContinuousClock.now
        do {
            let outgoing = try await ServiceContext.withValue(span.context) {
                try await chain(message, context)
            }
            try await bus.publish(outgoing, producedBy: context)
            try await context.completion.run()
            metrics.duration.record(duration: started.duration(to: .now))
            metrics.handled.increment()
            do {
                try delivery.acknowledge()
            } catch {
                context.logger.warning(
                    "Handled message could not be acknowledged; it may be delivered again",
                    metadata: ["error": "\(error)"]
                )
            }
            await recordLag()
        } catch {
            // A handling cut short says nothing about the message: by the bus's own cancellation,
            // or by a handler that stopped waiting (for a retry, say) when graceful shutdown
            // began. It is delivered again, and no failure is recorded.
            if error is CancellationError, Task.isCancelled || Task.isShuttingDownGracefully {
                context.logger.notice("Handling cut short by shutdown; the message will be delivered again")
                do {
                    try delivery.reject(requeue: true)
                } catch {
                    context.logger.warning("Interrupted message could not be rejected", metadata: ["error": "\(error)"])
                }
                return
            }
            var failure = MessageBusError.wrapping(error, in: context)
            metrics.failed.increment()
            span.recordError(failure)
            span.setStatus(SpanStatus(code: .error))
            // A handling cut short by the bus's own cancellation says nothing about the message.
            if let limit = registration.options.maximumDeliveries, delivery.attempt >= limit, !Task.isCancelled {
                failure.attempts = delivery.attempt
                if await setAside(delivery, failure: failure, context: context) { return }
            }
            context.logger.error(
                "Handler failed; the message will be delivered again",
                metadata: ["error": "\(failure)"]
            )
            await bus.notify(BusNotification(.handlerFailed, error: failure, context: context), logger: context.logger)
            do {
                try delivery.reject(requeue: true)
            } catch {
                context.logger.warning("Failed message could not be rejected", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Publishes a message that failed on its last allowed delivery to `<topic>.dead`, tells
    /// the notifier, and acknowledges it; `false`, to reject it as usual, if it could not be
    /// published.
    nonisolated(nonsending) private func setAside(
        _ delivery: Delivery,
        failure: MessageBusError,
        context: HandlerContext
    ) async -> Bool {
        let notification: BusNotification
        do {
            notification = try await context.deadLetter(failure, to: deadLetterTopic)
        } catch {
            context.logger.error(
                "Message failed on its last allowed delivery but could not be dead-lettered",
                metadata: ["dead-letter-topic": "\(deadLetterTopic)", "error": "\(error)"]
            )
            return false
        }
        await bus.notify(notification, logger: context.logger)
        do {
            try delivery.acknowledge()
        } catch {
            context.logger.warning(
                "Dead-lettered message could not be acknowledged; it may be delivered again",
                metadata: ["error": "\(error)"]
            )
        }
        return true
    }
}
