import ArgumentParser
import ExampleSupport

/// The third course case: a Channel Adapter connects an ERP that only has an HTTP API to the
/// messaging system — it polls the ERP's purchase orders and publishes them, and brings the
/// inventory's and the suppliers' confirmations back to the ERP.
@main
struct ChannelAdapterExample: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ChannelAdapterExample",
        abstract: "An ERP's purchase orders reach inventory and suppliers through a channel adapter, and back.",
        discussion: """
            Without --kafka every application runs in this process on the in-memory transport, each on \
            its own server: the adapter on --adapter-port (5000: the seed's POST /send), the ERP on \
            --erp-port (5010: POST /orders, GET /orders?after=CURSOR, GET /orders/{id}, PUT \
            /orders/{id}/status), the inventory on --inventory-port (5011: GET /stock) and the \
            suppliers on --supplier-port (5012: PUT and DELETE /suppliers/{name}/outage, GET /shipments).

            With --kafka (or KAFKA_BOOTSTRAP_SERVERS) --role runs one application per process; the \
            adapter then finds the ERP at --erp-url. Each application keeps its own SQLite database \
            under --data-dir: erp.sqlite, adapter.sqlite (the polling cursor), inventory.sqlite, \
            supplier.sqlite. Every server also answers GET /metrics (Prometheus) and GET /health.
            """
    )

    @OptionGroup var options: ExampleOptions<ExampleConfiguration.Role>

    @Option(help: "The adapter's port. Default: 5000.")
    var adapterPort: Int?

    @Option(help: "The ERP's port. Default: 5010.")
    var erpPort: Int?

    @Option(help: "The inventory's port. Default: 5011.")
    var inventoryPort: Int?

    @Option(help: "The suppliers' port. Default: 5012.")
    var supplierPort: Int?

    @Option(help: "Where the adapter alone finds the ERP. Default: http://127.0.0.1:5010.")
    var erpURL: String?

    @Option(help: "The styles server's port, with --demo styles. Default: 5030.")
    var stylesPort: Int?

    /// Which demo `--demo` runs.
    enum DemoName: String, ExpressibleByArgument, CaseIterable {
        /// Course case 002: the seed's call and the purchase orders' journey.
        case orders
        /// Course case 003: one event delivered as a queue, as publish/subscribe and as a webhook.
        case styles
    }

    @Argument(help: "With --demo, which demo: orders (course case 002) or styles (course case 003). Default: orders.")
    var demoName: DemoName?

    func validate() throws {
        if demoName != nil, !options.demo {
            throw ValidationError("'\(demoName?.rawValue ?? "")' names a demo: add --demo")
        }
    }

    func run() async throws {
        options.bootstrapLogging()
        if options.demo, options.role != .all {
            throw ValidationError("--demo runs every application together: leave out --role")
        }
        let application: ExampleApplication
        do {
            application = try buildApplication(
                ExampleConfiguration(
                    role: options.role,
                    transport: options.transport(clientID: ExampleConfiguration.clientID),
                    host: options.host,
                    adapterPort: adapterPort,
                    erpPort: erpPort,
                    inventoryPort: inventoryPort,
                    supplierPort: supplierPort,
                    styles: demoName == .styles,
                    stylesPort: stylesPort,
                    erpURL: erpURL,
                    dataDirectory: options.data()
                )
            )
        } catch let error as ExampleError {
            throw ValidationError(error.description)
        }
        let demo: (@Sendable () async throws -> Void)?
        switch (options.demo, demoName ?? .orders) {
        case (false, _): demo = nil
        case (true, .orders): demo = { try await Demo(application: application).run() }
        case (true, .styles): demo = { try await StylesDemo(application: application).run() }
        }
        try await ExampleRunner.run(application, label: "ChannelAdapterExample", demo: demo)
    }
}
