import ArgumentParser
import Foundation
import KafkaTransport
import Logging
import ServiceLifecycle

/// The first course case: sales sends each purchase to the Message Bus; inventory and billing
/// receive it and update their data without depending on sales.
@main
struct MessageBusExample: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "MessageBusExample",
        abstract: "Sales sends orders to the Message Bus; inventory and billing receive every one.",
        discussion: """
            Without --kafka every application runs in this process on the in-memory transport: \
            sales on --port (5000) and one query server on --query-port (5001).

            With --kafka (or KAFKA_BOOTSTRAP_SERVERS) messages travel through Kafka, and --role runs \
            one application per process: sales serves POST /produce on 5000, inventory serves \
            /processed_orders/{id} and /inventory on 5001, billing serves /processed_orders/{id} and \
            /invoices/{order_id} on 5002.

            Try Kafka without installing it: `swift run eip kafka-mock` prints an address for --kafka.
            """
    )

    @Option(help: "Kafka bootstrap servers, HOST:PORT[,HOST:PORT…]. Default: $KAFKA_BOOTSTRAP_SERVERS, else in-memory.")
    var kafka: String?

    @Option(help: "The applications this process runs: all, sales, inventory or billing (needs --kafka).")
    var role: ExampleConfiguration.Role = .all

    @Option(help: "The address the HTTP servers listen on.")
    var host = "127.0.0.1"

    @Option(help: "The sales server's port.")
    var port = 5000

    @Option(help: "The query server's port. Default: 5001, or 5002 for --role billing.")
    var queryPort: Int?

    @Flag(help: "Send the seed's requests to this process, print each request and response, and exit.")
    var demo = false

    @Option(
        help:
            "Log level: trace, debug, info, notice, warning, error or critical. Default: info, or warning with --demo."
    )
    var logLevel: Logger.Level?

    func run() async throws {
        let level = logLevel ?? (demo ? .warning : .info)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let application: ExampleApplication
        do {
            var configuration = ExampleConfiguration(role: role, host: host, salesPort: port, queryPort: queryPort)
            if let servers = kafka ?? ProcessInfo.processInfo.environment["KAFKA_BOOTSTRAP_SERVERS"] {
                configuration.transport = .kafka(try ExampleConfiguration.kafka(servers))
            }
            application = try buildApplication(configuration)
        } catch let error as ExampleError {
            throw ValidationError(error.description)
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [application],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: Logger(label: "MessageBusExample")
            )
        )
        do {
            guard demo else {
                try await group.run()
                return
            }
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                tasks.addTask {
                    do {
                        try await Demo(application: application, output: { print($0, terminator: "\n\n") }).run()
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

extension ExampleConfiguration.Role: ExpressibleByArgument {}

extension Logger.Level: @retroactive ExpressibleByArgument {}
