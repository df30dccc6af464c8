import ExampleSupport
import ExampleTesting
import Foundation
import InMemoryTransport
import Messaging
import Synchronization
import Testing

@testable import CQRSExample

/// A rule, as the demo creates it.
let ruleBody =
    #"{"nombre": "Caja fuerte", "usuario": "ana", "tipo_apertura": "caja_fuerte", "umbral": 3, "activa": true}"#

/// A configuration on ports the system chooses.
func testConfiguration() -> ExampleConfiguration {
    ExampleConfiguration(
        commandsPort: 0,
        queriesPort: 0,
        updaterPort: 0,
        gatewayPort: 0,
        monitorPort: 0,
        heartbeatInterval: .milliseconds(100),
        heartbeatGrace: .seconds(3)
    )
}

@Suite("Course case 004 on the in-memory transport")
struct CQRSExampleTests {
    /// Events ever written on the rules' topic.
    func published(on transport: InMemoryTransport) -> Int64 {
        transport.broker.snapshot(of: ruleEventsTopic)?.partitions.reduce(0) { $0 + $1.endOffset } ?? 0
    }

    /// Runs the example on a fresh in-memory transport, with its two ports.
    func withExample(
        _ body: (ExampleApplication, InMemoryTransport, _ commands: Int, _ queries: Int) async throws -> Void
    ) async throws {
        let transport = InMemoryTransport()
        let application = try buildApplication(testConfiguration(), transport: transport, logger: quietLogger)
        try await running([application]) {
            try await body(application, transport, application.commandsPort(), application.queriesPort())
        }
    }

    @Test("The seed's POST on :5002, then GET on :5004 at once with the token: 200, with no wait in the test")
    func readYourWrite() async throws {
        try await withExample { _, transport, commands, queries in
            let created = try await call(.POST, commands, "/monitor_aperturas/reglas", body: ruleBody)
            #expect(created.status == 201)
            let json = created.json
            #expect(json["id"] as? Int == 1)
            #expect(json["nombre"] as? String == "Caja fuerte")
            #expect(json["activa"] as? Bool == true)
            let token = try #require(json["consistency_token"] as? String)
            #expect(created.headers.first(name: "X-Consistency-Token") == token)

            let read = try await call(
                .GET,
                queries,
                "/monitor_aperturas/reglas/1",
                headers: ["X-Consistency-Token": token]
            )
            #expect(read.status == 200)
            #expect(read.json["usuario"] as? String == "ana")
            #expect(read.json["umbral"] as? Int == 3)
            #expect(read.json["consistency_token"] == nil)
            #expect(published(on: transport) == 1)
        }
    }

    @Test("The list filters by usuario")
    func listByUser() async throws {
        try await withExample { _, _, commands, queries in
            var token = ""
            for user in ["ana", "luis", "ana"] {
                let body = ruleBody.replacingOccurrences(of: #""ana""#, with: "\"\(user)\"")
                let created = try await call(.POST, commands, "/monitor_aperturas/reglas", body: body)
                token = try #require(created.json["consistency_token"] as? String)
            }
            let all = try await call(
                .GET,
                queries,
                "/monitor_aperturas/reglas",
                headers: ["X-Consistency-Token": token]
            )
            #expect((all.json["reglas"] as? [Any])?.count == 3)
            let ana = try await call(.GET, queries, "/monitor_aperturas/reglas?usuario=ana")
            let ids = (ana.json["reglas"] as? [[String: Any]])?.compactMap { $0["id"] as? Int }
            #expect(ids == [1, 3])
        }
    }

    @Test("PUT replaces a rule and DELETE removes it, both seen by the query side with their tokens")
    func updateAndDelete() async throws {
        try await withExample { _, transport, commands, queries in
            _ = try await call(.POST, commands, "/monitor_aperturas/reglas", body: ruleBody)
            let changedBody = ruleBody.replacingOccurrences(of: #""umbral": 3"#, with: #""umbral": 7"#)
            let changed = try await call(.PUT, commands, "/monitor_aperturas/reglas/1", body: changedBody)
            #expect(changed.status == 200)
            #expect(changed.json["umbral"] as? Int == 7)
            let afterChange = try await call(
                .GET,
                queries,
                "/monitor_aperturas/reglas/1",
                headers: ["X-Consistency-Token": try #require(changed.headers.first(name: "X-Consistency-Token"))]
            )
            #expect(afterChange.json["umbral"] as? Int == 7)

            let deleted = try await call(.DELETE, commands, "/monitor_aperturas/reglas/1")
            #expect(deleted.status == 200)
            let afterDelete = try await call(
                .GET,
                queries,
                "/monitor_aperturas/reglas/1",
                headers: ["X-Consistency-Token": try #require(deleted.headers.first(name: "X-Consistency-Token"))]
            )
            #expect(afterDelete.status == 404)
            #expect(published(on: transport) == 3)

            #expect(try await call(.PUT, commands, "/monitor_aperturas/reglas/9", body: ruleBody).status == 404)
            #expect(try await call(.DELETE, commands, "/monitor_aperturas/reglas/1").status == 404)
            #expect(published(on: transport) == 3)
        }
    }

    @Test("An unknown id is 404; a malformed token is 400 naming the header")
    func unknownAndMalformed() async throws {
        try await withExample { _, _, _, queries in
            let unknown = try await call(.GET, queries, "/monitor_aperturas/reglas/42")
            #expect(unknown.status == 404)
            #expect(unknown.json["field"] as? String == "id")
            let malformed = try await call(
                .GET,
                queries,
                "/monitor_aperturas/reglas/42",
                headers: ["X-Consistency-Token": "not a token"]
            )
            #expect(malformed.status == 400)
            #expect(malformed.json["field"] as? String == "X-Consistency-Token")
        }
    }

    @Test("The same X-Request-ID twice: one rule, one event, the same answer")
    func idempotentRequest() async throws {
        try await withExample { application, transport, commands, _ in
            let first = try await call(
                .POST,
                commands,
                "/monitor_aperturas/reglas",
                body: ruleBody,
                headers: ["X-Request-ID": "request-1"]
            )
            let second = try await call(
                .POST,
                commands,
                "/monitor_aperturas/reglas",
                body: ruleBody,
                headers: ["X-Request-ID": "request-1"]
            )
            #expect(first.status == 201)
            #expect(second.body == first.body)
            #expect(try await application.commands?.ruleCount() == 1)
            #expect(published(on: transport) == 1)
        }
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var body: String
        var field: String?
    }

    static let badInputs: [BadInput] = [
        BadInput(
            testDescription: "a missing usuario",
            body: #"{"nombre": "a", "tipo_apertura": "puerta", "umbral": 1, "activa": true}"#,
            field: "usuario"
        ),
        BadInput(
            testDescription: "umbral as a string",
            body: #"{"nombre": "a", "usuario": "u", "tipo_apertura": "puerta", "umbral": "1", "activa": true}"#,
            field: "umbral"
        ),
        BadInput(
            testDescription: "a negative umbral",
            body: #"{"nombre": "a", "usuario": "u", "tipo_apertura": "puerta", "umbral": -1, "activa": true}"#,
            field: "umbral"
        ),
        BadInput(
            testDescription: "activa as a number",
            body: #"{"nombre": "a", "usuario": "u", "tipo_apertura": "puerta", "umbral": 1, "activa": 1}"#,
            field: "activa"
        ),
        BadInput(
            testDescription: "an empty nombre",
            body: #"{"nombre": " ", "usuario": "u", "tipo_apertura": "puerta", "umbral": 1, "activa": true}"#,
            field: "nombre"
        ),
        BadInput(
            testDescription: "an unknown field",
            body:
                #"{"nombre": "a", "usuario": "u", "tipo_apertura": "puerta", "umbral": 1, "activa": true, "color": "rojo"}"#,
            field: "color"
        ),
        BadInput(testDescription: "a body that is not JSON", body: "nombre=a", field: nil),
        BadInput(testDescription: "a JSON array", body: "[1]", field: nil),
        BadInput(testDescription: "an empty body", body: "", field: nil),
    ]

    @Test("Bad input is 400 naming the field; nothing is stored or published", arguments: badInputs)
    func badInput(_ input: BadInput) async throws {
        try await withExample { application, transport, commands, _ in
            let created = try await call(.POST, commands, "/monitor_aperturas/reglas", body: input.body)
            #expect(created.status == 400)
            #expect(created.json["field"] as? String == input.field)
            #expect(created.json["error"] is String)
            _ = try await call(.POST, commands, "/monitor_aperturas/reglas", body: ruleBody)
            let changed = try await call(.PUT, commands, "/monitor_aperturas/reglas/1", body: input.body)
            #expect(changed.status == 400)
            #expect(changed.json["field"] as? String == input.field)
            #expect(try await application.commands?.ruleCount() == 1)
            #expect(published(on: transport) == 1)
        }
    }

    @Test("A rule id that is not a positive integer is 400 naming id")
    func badID() async throws {
        try await withExample { _, _, commands, queries in
            #expect(try await call(.GET, queries, "/monitor_aperturas/reglas/uno").json["field"] as? String == "id")
            let deleted = try await call(.DELETE, commands, "/monitor_aperturas/reglas/0")
            #expect(deleted.status == 400)
            #expect(deleted.json["field"] as? String == "id")
        }
    }

    @Test("The demo's calls all answer as expected, and print the seed's ports")
    func demo() async throws {
        try await withExample { application, _, _, _ in
            let lines = Lines()
            try await Demo(application: application).run(with: DemoPrinter { lines.append($0) })
            let output = lines.text
            #expect(output.contains("POST http://localhost:"))
            #expect(output.contains("201 Created"))
            #expect(output.contains("X-Consistency-Token: "))
            #expect(output.contains("400 Bad Request"))
            #expect(output.contains(#""stock": 7"#))
            #expect(output.contains("503 Service Unavailable"))
            #expect(output.contains(#""reason": "heartbeatResumed""#))
        }
    }
}

/// What a demo printed.
final class Lines: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    var text: String {
        lines.withLock { $0.joined(separator: "\n") }
    }
}
