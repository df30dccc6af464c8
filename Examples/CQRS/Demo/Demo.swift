import ExampleSupport
import Foundation

/// The seed's calls, sent to a running example: a rule created on the command side (:5002),
/// read at once from the query side (:5004) with the command's consistency token, listed by
/// user, changed, deleted, and a body that is not a rule refused.
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

    /// Makes the calls with `printer`; throws at the first unexpected answer.
    func run(with printer: DemoPrinter = .standardOutput) async throws {
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

    /// The `X-Consistency-Token` header of `answer`.
    private static func token(of answer: DemoAnswer) throws -> String {
        guard let token = answer.headers.first(name: "X-Consistency-Token") else {
            throw ExampleError("the command side answered without an X-Consistency-Token header")
        }
        return token
    }
}
