import ArgumentParser
import ExampleSupport
import Testing

@testable import MessageBusExample

@Suite("Course case 000: the command line")
struct OptionsTests {
    @Test("The command line takes --kafka, --role, --data-dir, --host, --demo and --log-level")
    func options() throws {
        let command = try MessageBusExample.parse([
            "--kafka", "localhost:9092", "--role", "billing", "--data-dir", "/tmp/billing-data", "--host", "0.0.0.0",
            "--demo", "--log-level", "debug", "--query-port", "6002",
        ])
        #expect(command.options.role == .billing)
        #expect(command.options.dataDirectory == "/tmp/billing-data")
        #expect(command.options.host == "0.0.0.0")
        #expect(command.options.demo)
        #expect(command.options.logLevel == .debug)
        #expect(command.queryPort == 6002)
        guard case .kafka(let kafka) = try command.options.transport(clientID: "c", environment: [:]) else {
            Issue.record("--kafka did not choose Kafka")
            return
        }
        #expect(kafka.bootstrapServers == ["localhost:9092"])

        let defaults = try MessageBusExample.parse([])
        #expect(defaults.options.role == .all)
        #expect(defaults.options.dataDirectory == nil)
        #expect(defaults.port == 5000)
        guard case .inMemory = try defaults.options.transport(clientID: "c", environment: [:]) else {
            Issue.record("without --kafka the transport is not the in-memory one")
            return
        }
        guard
            case .kafka = try defaults.options.transport(clientID: "c", environment: ["KAFKA_BOOTSTRAP_SERVERS": "k:1"])
        else {
            Issue.record("KAFKA_BOOTSTRAP_SERVERS did not choose Kafka")
            return
        }
        #expect(throws: (any Error).self) { try MessageBusExample.parse(["--role", "shipping"]) }
    }
}
