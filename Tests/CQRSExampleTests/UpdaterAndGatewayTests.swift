import ExampleSupport
import ExampleTesting
import Foundation
import InMemoryTransport
import Messaging
import Testing

@testable import CQRSExample

@Suite("Course case 004's updater and API gateway")
struct UpdaterAndGatewayTests {
    /// Runs the example on a fresh in-memory transport.
    func withExample(_ body: (ExampleApplication, InMemoryTransport) async throws -> Void) async throws {
        let transport = InMemoryTransport()
        let application = try buildApplication(testConfiguration(), transport: transport, logger: quietLogger)
        try await running([application]) {
            try await body(application, transport)
        }
    }

    /// Messages ever written to `topic`.
    func published(to topic: String, on transport: InMemoryTransport) -> Int64 {
        transport.broker.snapshot(of: topic)?.partitions.reduce(0) { $0 + $1.endOffset } ?? 0
    }

    @Test("A processed order's product is taken from the updater's stock, once per event")
    func orderTakesStock() async throws {
        try await withExample { application, transport in
            let port = try await application.updaterPort()
            #expect(try await call(.GET, port, "/productos/1").json["stock"] as? Int == 10)
            let order = #"{"id_orden": "o-1", "id_producto": 1, "cantidad": 3}"#
            let processed = try await call(.POST, port, "/ordenes", body: order)
            #expect(processed.status == 202)
            #expect(processed.json["estado"] as? String == "procesada")
            let product = try await eventually(port, "/productos/1") { $0.json["stock"] as? Int != 10 }
            #expect(product.json["stock"] as? Int == 7)

            // More than the stock: published, but the stock stays as it is.
            _ = try await call(.POST, port, "/ordenes", body: #"{"id_orden": "o-2", "id_producto": 3, "cantidad": 9}"#)
            _ = try await call(.POST, port, "/ordenes", body: #"{"id_orden": "o-3", "id_producto": 3, "cantidad": 1}"#)
            let safe = try await eventually(port, "/productos/3") { $0.json["stock"] as? Int != 4 }
            #expect(safe.json["stock"] as? Int == 3)
            #expect(published(to: orderedProductsTopic, on: transport) == 3)
        }
    }

    @Test("A bad order is 400 naming the field, and nothing is published")
    func badOrder() async throws {
        try await withExample { application, transport in
            let port = try await application.updaterPort()
            let inputs = [
                (#"{"id_orden": "o-1", "cantidad": 1}"#, "id_producto"),
                (#"{"id_orden": "o-1", "id_producto": 1, "cantidad": 0}"#, "cantidad"),
                (#"{"id_orden": "o-1", "id_producto": 99, "cantidad": 1}"#, "id_producto"),
                (#"{"id_orden": "o-1", "id_producto": "1", "cantidad": 1}"#, "id_producto"),
            ]
            for (body, field) in inputs {
                let answer = try await call(.POST, port, "/ordenes", body: body)
                #expect(answer.status == 400)
                #expect(answer.json["field"] as? String == field)
            }
            #expect(try await call(.GET, port, "/productos/99").status == 404)
            #expect(published(to: orderedProductsTopic, on: transport) == 0)
        }
    }

    @Test("The gateway routes commands to :5002 and queries to :5004, with the token both ways")
    func gatewayRoutes() async throws {
        try await withExample { application, _ in
            let gateway = try await application.gatewayPort()
            let created = try await call(.POST, gateway, "/monitor_aperturas/reglas", body: ruleBody)
            #expect(created.status == 201)
            #expect(created.contentType == "application/json")
            let token = try #require(created.headers.first(name: "X-Consistency-Token"))
            let read = try await call(
                .GET,
                gateway,
                "/monitor_aperturas/reglas/1",
                headers: ["X-Consistency-Token": token]
            )
            #expect(read.status == 200)
            #expect(read.json["nombre"] as? String == "Caja fuerte")
            let listed = try await call(.GET, gateway, "/monitor_aperturas/reglas?usuario=ana")
            #expect((listed.json["reglas"] as? [Any])?.count == 1)
            let bad = try await call(.POST, gateway, "/monitor_aperturas/reglas", body: "{}")
            #expect(bad.status == 400)
            #expect(bad.json["field"] as? String == "nombre")
            #expect(try await call(.DELETE, gateway, "/monitor_aperturas/reglas/1").status == 200)
            #expect(try await call(.DELETE, gateway, "/monitor_aperturas/reglas/1").status == 404)
        }
    }

    @Test("A gateway whose side is not running answers 502 naming it")
    func gatewayWithoutSides() async throws {
        var configuration = ExampleConfiguration(role: .gateway, gatewayPort: 0)
        configuration.commandsURL = "http://127.0.0.1:1"
        let application = try buildApplication(configuration, transport: InMemoryTransport(), logger: quietLogger)
        try await running([application]) {
            let answer = try await call(.POST, application.gatewayPort(), "/monitor_aperturas/reglas", body: ruleBody)
            #expect(answer.status == 502)
            #expect((answer.json["error"] as? String)?.contains("commands") == true)
        }
    }
}
