import ExampleSupport
import Foundation

/// The seed's calls, sent to a running example: a rule created on the command side (:5002),
/// read at once from the query side (:5004) with the command's consistency token, listed by
/// user, read through the gateway (:5000), changed, deleted, and a body that is not a rule
/// refused; then an order's product taken from the updater's stock (:5006).
struct Demo: Sendable {
    let application: ExampleApplication

    /// A rule: alert when user `ana` opens the safe more than three times.
    static let rule =
        #"{"nombre": "Caja fuerte", "usuario": "ana", "tipo_apertura": "caja_fuerte", "umbral": 3, "activa": true}"#
    /// The same rule, turned off.
    static let changedRule =
        #"{"nombre": "Caja fuerte", "usuario": "ana", "tipo_apertura": "caja_fuerte", "umbral": 5, "activa": false}"#
    /// A body with `umbral` as a string.
    static let badRule =
        #"{"nombre": "Puerta", "usuario": "ana", "tipo_apertura": "puerta", "umbral": "tres", "activa": true}"#

    /// An order of the orders service: three of product 1.
    static let order = #"{"id_orden": "o-1", "id_producto": 1, "cantidad": 3}"#

    /// Makes the calls with `printer`; throws at the first unexpected answer.
    func run(with printer: DemoPrinter = .standardOutput) async throws {
        try await runRules(with: printer)
        try await runUpdater(with: printer)
        try await runHeartbeat(with: printer)
    }

    /// The seed's heartbeat on :5020: every application alive; the query side's heartbeat
    /// stopped as a kill stops it, declared dead with an alert; started again, restored.
    func runHeartbeat(with printer: DemoPrinter = .standardOutput) async throws {
        guard let monitor = application.monitor, let queries = application.emitters["queries"] else { return }
        let port = try await application.monitorPort()
        try await waitFor("every application is alive", printer: printer) {
            let services = await monitor.monitor.report().checks.keys
            return MonitorApplication.services.allSatisfy { services.contains("\($0):heartbeat") }
                && monitor.monitor.services.allSatisfy { $0.status == .pass }
        }
        try await printer.run(DemoCall(method: .GET, port: port, path: "/hearbeat"))
        // Alerts raised before the stop — a loaded machine can delay beats past the grace
        // period — must not pass for the alert the stop raises.
        let alertsBefore = monitor.alerts.all.count
        printer.output("The query side stops beating, as when its process is killed.")
        await queries.stop()
        try await waitFor("the query side is dead", printer: printer) {
            monitor.alerts.all.dropFirst(alertsBefore).contains { $0.kind == "serviceDead" && $0.service == "queries" }
                && monitor.monitor.services.first { $0.service == "queries" }?.status == .fail
        }
        try await printer.run(DemoCall(method: .GET, port: port, path: "/hearbeat", expected: .serviceUnavailable))
        try await printer.run(DemoCall(method: .GET, port: port, path: "/alerts"))
        let alertsWhileDead = monitor.alerts.all.count
        printer.output("The query side starts again.")
        try queries.start()
        try await waitFor("the query side is restored", printer: printer) {
            let status = await monitor.monitor.report().status
            return status != .fail
                && monitor.alerts.all.dropFirst(alertsWhileDead).contains {
                    $0.kind == "serviceRestored" && $0.service == "queries"
                }
        }
        try await printer.run(DemoCall(method: .GET, port: port, path: "/heartbeat"))
        try await printer.run(DemoCall(method: .GET, port: port, path: "/alerts"))
        try await waitFor("the webhook received both alerts", printer: printer) {
            monitor.received.all.contains { $0.kind == "serviceRestored" }
        }
        try await printer.run(DemoCall(method: .GET, port: port, path: "/webhook"))
    }

    /// Waits until `condition` holds, up to the printer's deadline.
    private func waitFor(
        _ what: String,
        printer: DemoPrinter,
        _ condition: @Sendable () async throws -> Bool
    ) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: printer.processingDeadline)
        while try await !condition() {
            guard clock.now < deadline else {
                throw ExampleError("not seen within \(printer.processingDeadline): \(what)")
            }
            try await clock.sleep(for: .milliseconds(20))
        }
    }

    /// The rules' calls: on the command side, the query side and through the gateway.
    func runRules(with printer: DemoPrinter = .standardOutput) async throws {
        let commands = try await application.commandsPort()
        let queries = try await application.queriesPort()
        let path = "/monitor_aperturas/reglas"
        let created = try await printer.run(
            DemoCall(method: .POST, port: commands, path: path, body: Self.rule, expected: .created)
        )
        let token = try Self.token(of: created)
        try await printer.run(
            DemoCall(method: .GET, port: queries, path: path + "/1", headers: ["X-Consistency-Token": token])
        )
        try await printer.run(DemoCall(method: .GET, port: queries, path: path + "?usuario=ana"))
        try await printer.run(DemoCall(method: .GET, port: application.gatewayPort(), path: path + "/1"))
        let changed = try await printer.run(
            DemoCall(method: .PUT, port: commands, path: path + "/1", body: Self.changedRule)
        )
        try await printer.run(
            DemoCall(
                method: .GET,
                port: queries,
                path: path + "/1",
                headers: ["X-Consistency-Token": Self.token(of: changed)]
            )
        )
        let deleted = try await printer.run(DemoCall(method: .DELETE, port: commands, path: path + "/1"))
        try await printer.run(
            DemoCall(
                method: .GET,
                port: queries,
                path: path + "/1",
                headers: ["X-Consistency-Token": Self.token(of: deleted)],
                expected: .notFound
            )
        )
        try await printer.run(
            DemoCall(method: .POST, port: commands, path: path, body: Self.badRule, expected: .badRequest)
        )
    }

    /// The seed's order → stock flow: a product's stock, an order processed, the stock after the
    /// updater applied the order's event.
    func runUpdater(with printer: DemoPrinter = .standardOutput) async throws {
        let port = try await application.updaterPort()
        try await printer.run(DemoCall(method: .GET, port: port, path: "/productos/1"))
        try await printer.run(
            DemoCall(method: .POST, port: port, path: "/ordenes", body: Self.order, expected: .accepted)
        )
        guard let updater = application.updater else { return }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: printer.processingDeadline)
        while try await updater.stock(of: 1)?.stock == 10 {
            guard clock.now < deadline else {
                throw ExampleError("the updater did not apply the order within \(printer.processingDeadline)")
            }
            try await clock.sleep(for: .milliseconds(20))
        }
        try await printer.run(DemoCall(method: .GET, port: port, path: "/productos/1"))
    }

    /// The `X-Consistency-Token` header of `answer`.
    private static func token(of answer: DemoAnswer) throws -> String {
        guard let token = answer.headers.first(name: "X-Consistency-Token") else {
            throw ExampleError("the command side answered without an X-Consistency-Token header")
        }
        return token
    }
}
