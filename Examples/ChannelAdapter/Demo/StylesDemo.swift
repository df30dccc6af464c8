import ExampleSupport
import Foundation

/// Course case 003's demo: one event delivered as a queue, as publish/subscribe and as a
/// webhook, on the styles server (:5030).
struct StylesDemo: Sendable {
    let application: ExampleApplication

    /// The seed's event: a user registered.
    static let user = #"{"id": 7, "nombre": "Ana", "email": "ana@example.com"}"#

    /// Makes the calls with `printer`; throws at the first unexpected answer.
    func run(with printer: DemoPrinter = .standardOutput) async throws {
        guard let styles = application.styles else {
            throw ExampleError("the styles demo needs the styles application")
        }
        let port = try await application.stylesPort()
        printer.output(
            "A receiver registers its URL for the event usuario.registrado; the answer holds the signing secret:"
        )
        let registration =
            #"{"url": "http://127.0.0.1:\#(port)/webhooks/receiver", "eventTypes": ["usuario.registrado"]}"#
        let registered = try await printer.run(
            DemoCall(method: .POST, port: port, path: "/webhooks/subscriptions", body: registration, expected: .created)
        )
        guard
            let answer = try? JSONSerialization.jsonObject(with: Data(registered.body.utf8)) as? [String: Any],
            let secret = answer["secret"] as? String
        else {
            throw ExampleError("the subscription's answer holds no secret: \(registered.body)")
        }
        printer.output("The receiver keeps the secret:")
        try await printer.run(
            DemoCall(
                method: .PUT,
                port: port,
                path: "/webhooks/receiver/secret",
                body: #"{"secret": "\#(secret)"}"#,
                expected: .noContent
            )
        )
        printer.output("One event is published on 'usuarios.registrados':")
        try await printer.run(
            DemoCall(method: .POST, port: port, path: "/usuarios", body: Self.user, expected: .accepted)
        )
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: printer.processingDeadline)
        while !(StylesApplication.groups.allSatisfy { styles.deliveries.count(of: $0.0) > 0 }
            && styles.webhooks.receivedCount > 0)
        {
            guard clock.now < deadline else {
                throw ExampleError("the event was not delivered three ways within \(printer.processingDeadline)")
            }
            try await clock.sleep(for: .milliseconds(20))
        }
        printer.output(
            """
            As a queue: the group 'correo' has two competing consumers, and handled the event once.
            As publish/subscribe: every group — correo, estadisticas, perfil — received it.
            """
        )
        try await printer.run(DemoCall(method: .GET, port: port, path: "/deliveries"))
        printer.output("As a webhook: the registered URL was called, signed, and the signature verified:")
        try await printer.run(DemoCall(method: .GET, port: port, path: "/webhooks/received"))
    }
}
