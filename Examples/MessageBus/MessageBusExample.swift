import ArgumentParser
import ExampleSupport

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

            Each application keeps its data in its own SQLite database under --data-dir \
            (sales.sqlite, inventory.sqlite, billing.sqlite), so a process started again on the \
            same directory answers for what it processed. Every server also answers GET /metrics \
            (Prometheus) and GET /health.

            Try Kafka without installing it: `swift run eip kafka-mock` prints an address for --kafka.
            """
    )

    @OptionGroup var options: ExampleOptions<ExampleConfiguration.Role>

    @Option(help: "The sales server's port.")
    var port = 5000

    @Option(help: "The query server's port. Default: 5001, or 5002 for --role billing.")
    var queryPort: Int?

    func run() async throws {
        options.bootstrapLogging()
        let application: ExampleApplication
        do {
            application = try buildApplication(
                ExampleConfiguration(
                    role: options.role,
                    transport: options.transport(clientID: ExampleConfiguration.clientID),
                    host: options.host,
                    salesPort: port,
                    queryPort: queryPort,
                    dataDirectory: options.data()
                )
            )
        } catch let error as ExampleError {
            throw ValidationError(error.description)
        }
        guard options.demo else {
            try await ExampleRunner.run(application, label: "MessageBusExample")
            return
        }
        try await ExampleRunner.run(application, label: "MessageBusExample") {
            try await Demo(application: application).run()
        }
    }
}
