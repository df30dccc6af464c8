import Foundation
import InMemoryLogging
import Logging
import Messaging
import Testing

@testable import KafkaTransport

/// librdkafka's lines go to the transport's logger, with the broker they name as metadata.
@Suite("librdkafka's logs in swift-log")
struct LibrdkafkaLoggingTests {
    @Test("A broker thread's line names the broker of its thread, without the thread prefix")
    func brokerThreadLine() {
        let line = LibrdkafkaLogLine(
            syslogLevel: 3,
            facility: "FAIL",
            text: "[thrd:127.0.0.1:40255/bootstrap]: 127.0.0.1:40255/2: Connect to ipv4#127.0.0.1:40255 failed",
            client: "app#consumer-1"
        )
        #expect(line.level == .error)
        #expect(line.message == "127.0.0.1:40255/2: Connect to ipv4#127.0.0.1:40255 failed")
        #expect(line.metadata["kafka.broker"] == "127.0.0.1:40255")
        #expect(line.metadata["kafka.thread"] == "127.0.0.1:40255/bootstrap")
        #expect(line.metadata["kafka.facility"] == "FAIL")
        #expect(line.metadata["kafka.client"] == "app#consumer-1")
    }

    @Test("An application thread's line drops the client's name and finds the broker after it")
    func applicationThreadLine() {
        let line = LibrdkafkaLogLine(
            syslogLevel: 4,
            facility: "ERROR",
            text: "[thrd:app]: app#consumer-1: GroupCoordinator: kafka-1.example.com:9092: Disconnected",
            client: "app#consumer-1"
        )
        #expect(line.level == .warning)
        #expect(line.message == "GroupCoordinator: kafka-1.example.com:9092: Disconnected")
        #expect(line.metadata["kafka.broker"] == "kafka-1.example.com:9092")
        #expect(line.metadata["kafka.thread"] == "app")
    }

    @Test("A line that names no broker has no broker metadata")
    func lineWithoutBroker() {
        let line = LibrdkafkaLogLine(syslogLevel: 6, facility: "CGRPOP", text: "Group state: up", client: "c")
        #expect(line.level == .info)
        #expect(line.message == "Group state: up")
        #expect(line.metadata["kafka.broker"] == nil)
    }

    @Test("syslog levels map to swift-log levels, and back")
    func levels() {
        #expect(
            (0...7).map(LibrdkafkaLogLine.level) == [
                .critical, .critical, .critical, .error, .warning, .notice, .info, .debug,
            ]
        )
        for level in Logger.Level.allCases where level != .trace {
            #expect(LibrdkafkaLogLine.level(Int32(LibrdkafkaLogLine.syslogLevel(for: level))) == level)
        }
    }

    @Test("A refused connection is a swift-log record naming the broker, at the logger's level")
    func refusedConnection() async throws {
        // A cluster that is gone: its brokers' ports refuse connections.
        let bootstrapServers = try KafkaMockCluster(brokers: 1).bootstrapServers
        let broker = String(bootstrapServers.split(separator: ",")[0])
        let (handler, logger) = Self.capturingLogger(level: .warning)
        var configuration = KafkaConfiguration(bootstrapServers: [bootstrapServers])
        configuration.producer.deliveryTimeout = .seconds(2)
        let transport = try KafkaTransport(configuration: configuration, logger: logger)
        await #expect(throws: MessagingError.self) {
            try await transport.publish([Message(payload: Data("log".utf8))], to: "logs")
        }
        try await waitUntil("librdkafka logged the refused connection") {
            handler.entries.contains { $0.metadata["kafka.broker"] == "\(broker)" }
        }
        let entry = try #require(handler.entries.first { $0.metadata["kafka.broker"] == "\(broker)" })
        #expect(entry.level >= .warning)
        #expect(handler.entries.allSatisfy { $0.level >= .warning }, "librdkafka logged below the logger's level")
        await transport.shutdown()
    }

    static func capturingLogger(level: Logger.Level) -> (InMemoryLogHandler, Logger) {
        let handler = InMemoryLogHandler()
        var logger = Logger(label: "kafka") { _ in handler }
        logger.logLevel = level
        return (handler, logger)
    }
}
