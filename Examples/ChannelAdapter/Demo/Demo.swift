import ExampleSupport
import Foundation

/// The seed's call and the purchase orders' journey, sent to a running example: the seed's
/// `POST :5000/send`; an order created in the ERP that reaches the inventory and its supplier
/// and ends `confirmed`; an order whose ERP update is answered 503 twice before it is taken;
/// and a supplier down that holds up none of the other orders.
struct Demo: Sendable {
    let application: ExampleApplication

    /// The seed's body of `POST /send`.
    static let seedMessage = #"{"id": 1, "mensaje": "Hola desde Postman"}"#

    /// Makes the calls with `printer`; throws at the first unexpected answer.
    func run(with printer: DemoPrinter = .standardOutput) async throws {
        try await runSeed(with: printer)
        try await runJourney(with: printer)
        try await runRetries(with: printer)
        try await runSupplierDown(with: printer)
    }

    /// The seed's call, answered with the seed's JSON.
    func runSeed(with printer: DemoPrinter = .standardOutput) async throws {
        try await printer.run(
            DemoCall(method: .POST, port: application.adapterPort(), path: "/send", body: Self.seedMessage)
        )
    }

    /// An order created in the ERP, published by the adapter, confirmed by the inventory and its
    /// supplier, and `confirmed` in the ERP.
    func runJourney(with printer: DemoPrinter = .standardOutput) async throws {
        let erp = try await application.erpPort()
        try await createOrder(#"{"product": "Laptop", "quantity": 3, "supplier": "acme"}"#, in: erp, with: printer)
        printer.output(
            "The adapter polls GET /orders?after=CURSOR, publishes order 1 on 'purchase-orders', and commits its cursor;\n"
                + "the inventory and supplier acme confirm on 'confirmations'; the adapter PUTs each to the ERP."
        )
        try await waitFor(order: 1, printer: printer) { $0.order.status == "confirmed" }
        try await printer.run(DemoCall(method: .GET, port: erp, path: "/orders/1"))
        try await printer.run(DemoCall(method: .GET, port: application.inventoryPort(), path: "/stock"))
        try await printer.run(DemoCall(method: .GET, port: application.supplierPort(), path: "/shipments"))
    }

    /// The ERP answers 503 twice before it takes an update: the adapter tries again, after the
    /// `Retry-After` the ERP asked for, under the same `Idempotency-Key`.
    func runRetries(with printer: DemoPrinter = .standardOutput) async throws {
        let erp = try await application.erpPort()
        try await printer.run(
            DemoCall(
                method: .POST,
                port: erp,
                path: "/faults",
                body: #"{"status": 503, "count": 2, "retry_after": 1}"#
            )
        )
        try await createOrder(#"{"product": "Monitor", "quantity": 2, "supplier": "acme"}"#, in: erp, with: printer)
        try await waitFor(order: 2, printer: printer) { $0.order.status == "confirmed" }
        printer.output("The ERP answered the adapter's first two updates of order 2 with 503; the adapter tried again:")
        try await printer.run(DemoCall(method: .GET, port: erp, path: "/orders/2/history"))
        try await printer.run(DemoCall(method: .GET, port: erp, path: "/orders/2"))
    }

    /// Supplier globex is down: its order waits, while an order of acme is confirmed meanwhile;
    /// once globex is back, its order is confirmed too.
    func runSupplierDown(with printer: DemoPrinter = .standardOutput) async throws {
        let erp = try await application.erpPort()
        let suppliers = try await application.supplierPort()
        try await printer.run(DemoCall(method: .PUT, port: suppliers, path: "/suppliers/globex/outage"))
        try await createOrder(#"{"product": "Keyboard", "quantity": 5, "supplier": "globex"}"#, in: erp, with: printer)
        try await createOrder(#"{"product": "Mouse", "quantity": 10, "supplier": "acme"}"#, in: erp, with: printer)
        try await waitFor(order: 4, printer: printer) { $0.order.status == "confirmed" }
        try await waitFor(order: 3, printer: printer) { $0.confirmations["inventory"] != nil }
        printer.output("Supplier globex is down: order 3 waits for it, and order 4, of acme, is confirmed meanwhile.")
        try await printer.run(DemoCall(method: .GET, port: erp, path: "/orders/4"))
        try await printer.run(DemoCall(method: .GET, port: erp, path: "/orders/3"))
        try await printer.run(DemoCall(method: .DELETE, port: suppliers, path: "/suppliers/globex/outage"))
        try await waitFor(order: 3, printer: printer) { $0.order.status == "confirmed" }
        printer.output("Supplier globex is back: it receives order 3 again and confirms it.")
        try await printer.run(DemoCall(method: .GET, port: erp, path: "/orders/3"))
    }

    /// Creates an order in the ERP listening on `erp`, expecting 201.
    private func createOrder(_ body: String, in erp: Int, with printer: DemoPrinter) async throws {
        try await printer.run(DemoCall(method: .POST, port: erp, path: "/orders", body: body, expected: .created))
    }

    /// Waits until order `id` of the ERP satisfies `condition`, up to the printer's deadline.
    private func waitFor(
        order id: Int,
        printer: DemoPrinter,
        _ condition: @Sendable (OrderBook.Entry) -> Bool
    ) async throws {
        guard let erp = application.erp else {
            throw ExampleError("the orders demo needs the ERP application")
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: printer.processingDeadline)
        while try await !(erp.orders.entry(id).map(condition) ?? false) {
            guard clock.now < deadline else {
                throw ExampleError("order \(id) did not get there within \(printer.processingDeadline)")
            }
            try await clock.sleep(for: .milliseconds(20))
        }
    }
}
