import Foundation
import InMemoryLogging
import InMemoryTracing
import InMemoryTransport
import Logging
import MessageBus
import MessageBusTesting
import Messaging
import MetricsTestKit
import Synchronization
import Testing
import Tracing

/// An in-memory tracer that propagates its context as a W3C `traceparent` header, as
/// OpenTelemetry's propagator does, so tests can follow a trace across services.
struct W3CTracer: Tracer {
    let spans = InMemoryTracer(
        idGenerator: .init(
            nextTraceID: { String(format: "%032x", UInt64.random(in: 1...UInt64.max)) },
            nextSpanID: { String(format: "%016llx", UInt64.random(in: 1...UInt64.max)) }
        )
    )

    func startSpan<Instant: TracerInstant>(
        _ operationName: String,
        context: @autoclosure () -> ServiceContext,
        ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant,
        function: String,
        file fileID: String,
        line: UInt
    ) -> InMemorySpan {
        spans.startSpan(
            operationName,
            context: context(),
            ofKind: kind,
            at: instant(),
            function: function,
            file: fileID,
            line: line
        )
    }

    func forceFlush() {}

    func inject<Carrier, Inject: Injector>(
        _ context: ServiceContext,
        into carrier: inout Carrier,
        using injector: Inject
    ) where Inject.Carrier == Carrier {
        guard let span = context.inMemorySpanContext else { return }
        injector.inject("00-\(span.traceID)-\(span.spanID)-01", forKey: "traceparent", into: &carrier)
    }

    func extract<Carrier, Extract: Extractor>(
        _ carrier: Carrier,
        into context: inout ServiceContext,
        using extractor: Extract
    ) where Extract.Carrier == Carrier {
        guard let header = extractor.extract(key: "traceparent", from: carrier) else { return }
        let parts = header.split(separator: "-").map(String.init)
        guard parts.count == 4 else { return }
        context.inMemorySpanContext = InMemorySpanContext(traceID: parts[1], spanID: parts[2], parentSpanID: nil)
    }
}

@Suite("Observability")
struct ObservabilityTests {
    @Test func aTraceSpansTheProducerAndTheConsumerService() async throws {
        let broker = InMemoryBroker()
        let tracer = W3CTracer()
        let salesTransport = InMemoryTransport(broker: broker)
        let inventoryTransport = InMemoryTransport(broker: broker)
        let sales = Bus(transport: salesTransport, name: "sales", tracer: tracer)
        let inventory = Bus(transport: inventoryTransport, name: "inventory", tracer: tracer)
        try inventory.handle(from: "orders", group: "inventory") { message, _ in
            [OutgoingMessage(Message(id: "reserved"), to: "stock")]
        }
        try await running([salesTransport, inventoryTransport, sales, inventory]) {
            try await inventory.waitUntilRunning()
            let sent = try await sales.publish(Message(id: "order"), to: "orders")
            let produced = try #require(try await read(1, from: "stock", on: salesTransport).first)

            let sentParent = try #require(sent.headers[MessageHeader.traceParent]).split(separator: "-")
            let producedParent = try #require(produced.headers[MessageHeader.traceParent]).split(separator: "-")
            #expect(sentParent[1] == producedParent[1], "the produced message left the trace")
            #expect(sentParent[2] != producedParent[2], "the consumer's span did not become the parent")

            try await eventually("the consumer span ended") {
                tracer.spans.finishedSpans.contains { $0.operationName == "orders process" }
            }
            let spans = tracer.spans.finishedSpans
            let producer = try #require(spans.first { $0.operationName == "orders publish" })
            let consumer = try #require(spans.first { $0.operationName == "orders process" })
            #expect(producer.kind == .producer)
            #expect(consumer.kind == .consumer)
            #expect(consumer.traceID == producer.traceID)
            #expect(consumer.parentSpanID == producer.spanID)
            #expect(consumer.attributes["messaging.consumer.group.name"]?.toSpanAttribute() == "inventory")
            #expect(consumer.attributes["messaging.message.id"]?.toSpanAttribute() == "order")
            #expect(producer.attributes["messaging.destination.name"]?.toSpanAttribute() == "orders")
            #expect(producer.attributes["messaging.batch.message_count"]?.toSpanAttribute() == 1)
            #expect(String(producedParent[2]) == consumer.spanID)
        }
    }

    @Test func aHandlersLoggerNamesTheMessageAndItsConversation() async throws {
        let logs = InMemoryLogHandler()
        let transport = InMemoryTransport()
        let bus = Bus(transport: transport, name: "logs", logger: Logger(label: "bus") { _ in logs })
        try bus.consume(from: "orders", group: "audit", name: "audit") { message, context in
            context.logger.info("handled")
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            var reply = Message(id: "second")
            reply.headers[MessageHeader.correlationID] = "conversation"
            try await transport.publish([Message(id: "first"), reply], to: "orders")
            try await eventually("both messages were handled") { logs.entries.count == 2 }
        }
        let metadata = logs.entries.map(\.metadata)
        let correlations = Dictionary(
            uniqueKeysWithValues: metadata.map { ($0["message-id"]?.description, $0["correlation-id"]?.description) }
        )
        #expect(correlations == ["first": "first", "second": "conversation"])
        #expect(metadata.allSatisfy { $0["handler"] == .string("audit") && $0["group"] == .string("audit") })
    }

    @Test func aHandlingSetsItsLoggersMetadataOnlyWhenItLogs() async throws {
        let handler = MetadataCountingLogHandler()
        let transport = InMemoryTransport()
        let bus = Bus(transport: transport, name: "logs", logger: Logger(label: "bus") { _ in handler })
        let handled = Mutex(0)
        try bus.consume(from: "orders", group: "audit", name: "audit") { message, context in
            if message.id.hasPrefix("loud") {
                context.logger.info("handled")
                context.logger.info("handled again")
            }
            handled.withLock { $0 += 1 }
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            try await transport.publish((0..<3).map { Message(id: "quiet-\($0)") }, to: "orders")
            try await eventually("the quiet messages were handled") { handled.withLock { $0 } == 3 }
            #expect(handler.messageMetadataAssignments == 0)
            // One key, so one partition: handled in the order published.
            try await transport.publish((0..<2).map { Message(id: "loud-\($0)", key: "loud") }, to: "orders")
            try await eventually("the loud messages were handled") { handled.withLock { $0 } == 5 }
        }
        #expect(handler.messageMetadataAssignments == 2)
        #expect(handler.loggedMessageIDs == ["loud-0", "loud-0", "loud-1", "loud-1"])
    }

    @Test func metricsCountWhatHappened() async throws {
        let metrics = TestMetrics()
        let transport = InMemoryTransport()
        let bus = Bus(
            transport: transport,
            middleware: [
                DeadLetterChannel(topic: "dead"),
                Retry(maximumAttempts: 2, initialDelay: .milliseconds(1)),
                IdempotentReceiver(store: InMemoryIdempotencyStore()),
            ],
            metricsFactory: metrics
        )
        let done = Collector<String>()
        try bus.handle(from: "orders", group: "billing") { message, _ in
            if message.id == "poison" { throw PlannedFailure() }
            done.append(message.id)
            return [OutgoingMessage(Message(), to: "invoices")]
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            try await bus.publish(["a", "poison", "a", "b"].map { Message(id: $0, key: "k") }, to: "orders")
            _ = try await read(1, from: "dead", on: transport)
            try await eventually("a and b were handled") { Set(done.all) == ["a", "b"] }
            let dimensions = [("handler", "billing"), ("topic", "orders"), ("group", "billing")]
            try await eventually("the last message was counted") {
                metrics.counterTotal(label: "messagebus_handled_total", dimensions: dimensions) == 4
            }
            #expect(metrics.counterTotal(label: "messagebus_published_total", dimensions: [("topic", "orders")]) == 4)
            #expect(metrics.counterTotal(label: "messagebus_published_total", dimensions: [("topic", "invoices")]) == 2)
            #expect(metrics.counterTotal(label: "messagebus_retried_total", dimensions: dimensions) == 1)
            #expect(metrics.counterTotal(label: "messagebus_dead_lettered_total", dimensions: dimensions) == 1)
            #expect(metrics.counterTotal(label: "messagebus_duplicates_total", dimensions: dimensions) == 1)
            #expect(metrics.counterTotal(label: "messagebus_failed_total", dimensions: dimensions) == 0)
            #expect(try metrics.expectTimer("messagebus_handler_duration_seconds", dimensions).values.count == 4)
        }
    }

    @Test func consumerLagIsRecordedWhereTheTransportKnowsIt() async throws {
        let metrics = TestMetrics()
        let transport = InMemoryTransport()
        let bus = Bus(transport: transport, metricsFactory: metrics)
        let handled = Collector<String>()
        let release = Gate()
        try bus.consume(from: "orders", group: "billing", options: .init(concurrency: 1)) { message, _ in
            // The second message is held: while it is, the group has acknowledged one of three.
            if message.id == "m2" { try await release.wait() }
            handled.append(message.id)
        }
        try await transport.publish((1...3).map { Message(id: "m\($0)", key: "k") }, to: "orders")
        try await running([transport, bus]) {
            // Readings come after acknowledgements and once a second, in whichever order a loaded
            // machine runs them: wait for the one that sees the held message.
            try await eventually("the gauge read the two messages left", timeout: .seconds(30)) {
                let lag = try? metrics.expectGauge(
                    "messagebus_consumer_lag",
                    [("handler", "billing"), ("topic", "orders"), ("group", "billing")]
                )
                return lag?.lastValue == 2
            }
            release.open()
            try await eventually("all three were handled") { handled.count == 3 }
        }
        let lag = try metrics.expectGauge(
            "messagebus_consumer_lag",
            [("handler", "billing"), ("topic", "orders"), ("group", "billing")]
        )
        #expect(lag.values.allSatisfy { (0...3).contains($0) }, "\(lag.values)")
    }
}

/// A log handler that counts the assignments of metadata naming a message, the work
/// `StreamLogHandler` redoes on each: it renders its metadata whenever it changes.
struct MetadataCountingLogHandler: LogHandler {
    private final class Counts: Sendable {
        let assignments = Mutex(0)
        let loggedMessageIDs = Mutex<[String]>([])
    }

    private let counts = Counts()
    var logLevel = Logger.Level.info
    var metadata: Logger.Metadata = [:] {
        didSet {
            if metadata["message-id"] != nil {
                counts.assignments.withLock { $0 += 1 }
            }
        }
    }

    var messageMetadataAssignments: Int { counts.assignments.withLock { $0 } }
    var loggedMessageIDs: [String] { counts.loggedMessageIDs.withLock { $0 } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        counts.loggedMessageIDs.withLock { $0.append(metadata["message-id"]?.description ?? "?") }
    }
}
