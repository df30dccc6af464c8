import DatatypeChannel
import ExampleSupport
import Foundation
import Messaging

/// The seed's three calls, sent to a running example, then the wrong-type and invalid-record
/// cases: a body of the wrong type refused on sending, and a foreign record on the customer
/// topic set aside on receiving, with its alert.
struct Demo: Sendable {
    let application: ExampleApplication

    /// The seed's body of `POST /send_message`.
    static let seedCustomer = #"{"id_cliente": "10", "nombre": "Grupo 3", "edad": 1, "promocion": "20% de descuento"}"#
    /// What a foreign producer writes on the customer topic: an order, not a customer.
    static let foreignRecord = #"{"order_id": "123458", "product": "Laptop", "quantity": 1}"#

    /// The seed's calls and the refused inputs, on the port the server listens on.
    func calls() async throws -> [DemoCall] {
        let port = try await application.port()
        return [
            DemoCall(method: .POST, port: port, path: "/send_message", body: Self.seedCustomer),
            DemoCall(method: .GET, port: port, path: "/get_message/10", waitsForProcessing: true),
            DemoCall(method: .GET, port: port, path: "/consume_message", waitsForProcessing: true),
            DemoCall(
                method: .POST,
                port: port,
                path: "/send_message",
                body: #"{"id_cliente": "11", "nombre": "Grupo 4", "edad": "uno"}"#,
                expected: .badRequest
            ),
            DemoCall(
                method: .POST,
                port: port,
                path: "/send/image",
                body: Self.seedCustomer,
                expected: .unsupportedMediaType
            ),
        ]
    }

    /// Makes every call with `printer`, then writes a foreign record on the customer topic and
    /// shows the alert it raised; throws at the first unexpected answer.
    func run(with printer: DemoPrinter = .standardOutput) async throws {
        try await printer.run(calls())
        let topic = Channels.customers.topic
        printer.output("A foreign producer writes to '\(topic)', with no datatype labels:\n\(Self.foreignRecord)")
        let foreign = Message(key: "123458", payload: Data(Self.foreignRecord.utf8))
        try await application.transport.publish([foreign], to: topic)
        guard let store = application.receiver?.store else { return }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: printer.processingDeadline)
        while try await store.alerts().isEmpty {
            guard clock.now < deadline else {
                throw ExampleError("no alert was raised for the foreign record within \(printer.processingDeadline)")
            }
            try await clock.sleep(for: .milliseconds(50))
        }
        try await printer.run([DemoCall(method: .GET, port: application.port(), path: "/alerts")])
    }
}
