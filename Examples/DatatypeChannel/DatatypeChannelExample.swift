import ArgumentParser
import ExampleSupport

/// The second course case: one channel per type of data. The sender picks the channel by what
/// it sends and is refused what is not of that type; the receiver knows what it reads from the
/// channel, and is alerted when something else arrives.
@main
struct DatatypeChannelExample: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "DatatypeChannelExample",
        abstract: "Customer records, texts, images and documents, each on its own checked channel.",
        discussion: """
            Without --kafka the sender and the receiver run in this process on the in-memory \
            transport, on one server at --port (5000): POST /send_message, GET /get_message/{id}, \
            GET /consume_message, POST /send/{channel}, GET /channels and GET /alerts.

            With --kafka (or KAFKA_BOOTSTRAP_SERVERS) --role runs one application per process: the \
            sender on 5000 (POST /send_message, POST /send/{channel}, GET /channels), the receiver on \
            5001 (GET /get_message/{id}, GET /consume_message, GET /alerts).

            The receiver keeps what it receives in its own SQLite database, receiver.sqlite under \
            --data-dir. Every server also answers GET /metrics (Prometheus; datatype_invalid_total \
            counts invalid messages) and GET /health.
            """
    )

    @OptionGroup var options: ExampleOptions<ExampleConfiguration.Role>

    @Option(help: "The server's port. Default: 5000, or 5001 for --role receiver.")
    var port: Int?

    func run() async throws {
        options.bootstrapLogging()
        if options.demo, options.role != .all {
            throw ValidationError("--demo runs the sender and the receiver together: leave out --role")
        }
        let application: ExampleApplication
        do {
            application = try buildApplication(
                ExampleConfiguration(
                    role: options.role,
                    transport: options.transport(clientID: ExampleConfiguration.clientID),
                    host: options.host,
                    port: port,
                    dataDirectory: options.data()
                )
            )
        } catch let error as ExampleError {
            throw ValidationError(error.description)
        }
        let demo: (@Sendable () async throws -> Void)? =
            options.demo ? { @Sendable in try await Demo(application: application).run() } : nil
        try await ExampleRunner.run(application, label: "DatatypeChannelExample", demo: demo)
    }
}
