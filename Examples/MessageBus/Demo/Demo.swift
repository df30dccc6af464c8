import ExampleSupport

/// The seed's requests, sent to a running example: its POST and GET, the other applications'
/// data, and two refused orders; with `--secure`, then a tampered order refused and quarantined
/// (see ``TamperedOrderDemo``).
struct Demo: Sendable {
    let application: ExampleApplication

    /// The calls, on the ports the application's servers listen on.
    func calls() async throws -> [DemoCall] {
        let sales = try await application.salesPort()
        let query = try await application.queryPort()
        return [
            DemoCall(
                method: .POST,
                port: sales,
                path: "/produce",
                body: #"{"order_id": "123458", "product": "Laptop", "quantity": 1, "price": 1200.0}"#
            ),
            DemoCall(method: .GET, port: query, path: "/processed_orders/123458", waitsForProcessing: true),
            DemoCall(method: .GET, port: query, path: "/inventory"),
            DemoCall(method: .GET, port: query, path: "/invoices/123458"),
            DemoCall(
                method: .POST,
                port: sales,
                path: "/produce",
                body: #"{"order_id": "123459", "product": "Laptop", "quantity": 0, "price": 1200.0}"#,
                expected: .badRequest
            ),
            DemoCall(
                method: .POST,
                port: sales,
                path: "/produce",
                body: #"{"order_id": "123458", "product": "Laptop", "quantity": 2, "price": 1200.0}"#,
                expected: .conflict
            ),
        ]
    }

    /// Makes every call with `printer`, then, with `--secure`, injects a tampered order; throws at
    /// the first unexpected answer.
    func run(with printer: DemoPrinter = .standardOutput) async throws {
        try await printer.run(calls())
        if let security = application.configuration.security {
            try await TamperedOrderDemo(application: application, security: security).run(with: printer)
        }
    }
}
