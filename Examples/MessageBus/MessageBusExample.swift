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

            With --secure --keys FILE sales encrypts and authenticates each order (AES-256-GCM) under \
            the active key of the key file, and inventory and billing open it; a message on the topic \
            that is not sealed, does not check out, was handled already or was not published by \
            /sales goes to MessageBus.quarantine instead of a handler. Every process needs the same \
            key file; `swift run eip keys generate --out FILE` writes one.
            """
    )

    @OptionGroup var options: ExampleOptions<ExampleConfiguration.Role>

    @Option(help: "The sales server's port.")
    var port = 5000

    @Option(help: "The query server's port. Default: 5001, or 5002 for --role billing.")
    var queryPort: Int?

    @Flag(help: "Encrypt and authenticate every order, and refuse any that does not check out (needs --keys).")
    var secure = false

    @Option(
        help: ArgumentHelp("The key file of --secure; `eip keys generate --out FILE` writes one.", valueName: "file")
    )
    var keys: String?

    func validate() throws {
        if secure, keys == nil {
            throw ValidationError(
                "--secure needs --keys FILE, the key file orders are sealed and opened with; `eip keys generate --out FILE` writes one"
            )
        }
        if !secure, keys != nil {
            throw ValidationError("--keys is used only with --secure; add --secure to seal orders")
        }
    }

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
                    dataDirectory: options.data(),
                    security: keys.map(OrderSecurity.init(keyFile:))
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
