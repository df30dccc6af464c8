import CQRS
import CQRSSQLite
import ExampleSupport
import Foundation
import GRDB
import Hummingbird
import MessageBus

/// The command side of *monitor aperturas* (the seed's `python3 app.py` on :5002): it owns the
/// rules, changes them only through commands, and records an event for every change in its
/// outbox, in the same SQLite transaction as the change.
///
/// - `POST /monitor_aperturas/reglas`: creates a rule from a ``RuleFields`` body; 201 with the
///   rule, its `id` and its `consistency_token`, also in the `X-Consistency-Token` header.
/// - `PUT /monitor_aperturas/reglas/{id}`: replaces the rule's fields; 200, or 404.
/// - `DELETE /monitor_aperturas/reglas/{id}`: deletes the rule; 200, or 404.
///
/// An `X-Request-ID` header becomes the command id, so a client that sends a request again
/// after a lost answer gets the first answer and changes nothing twice. A body that is not a
/// rule gets 400 naming the field, and nothing is sent, stored or published.
struct CommandsApplication: Sendable {
    /// The path of the rules.
    static let path = "monitor_aperturas/reglas"
    /// The largest body read.
    static let maximumBodyBytes = 64 * 1024
    /// How long a request waits for its command's answer.
    static let commandTimeout: Duration = .seconds(10)

    /// The command side's table of rules; the outbox adds its own.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("rules") { db in
            try db.execute(
                sql: """
                    CREATE TABLE regla (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, nombre TEXT NOT NULL, usuario TEXT NOT NULL,
                        tipo_apertura TEXT NOT NULL, umbral INTEGER NOT NULL, activa INTEGER NOT NULL)
                    """
            )
        }
        return migrator
    }

    let commands: CommandBus
    let database: any DatabaseWriter

    /// Registers the handlers of the three commands on `commands`, each changing `database`
    /// and recording its event in `outbox` in one transaction.
    init(commands: CommandBus, outbox: SQLiteOutboxStore, database: any DatabaseWriter) throws(CQRSError) {
        self.commands = commands
        self.database = database
        try commands.register(CreateRule.self) { command, context in
            try await outbox.write(context) { db in
                let fields = command.fields
                try db.execute(
                    sql: "INSERT INTO regla (nombre, usuario, tipo_apertura, umbral, activa) VALUES (?, ?, ?, ?, ?)",
                    arguments: [fields.nombre, fields.usuario, fields.tipoApertura, fields.umbral, fields.activa]
                )
                let rule = Rule(id: Int(db.lastInsertedRowID), fields: fields)
                try context.record(RuleCreated(rule: rule), to: ruleEventsTopic)
                return rule
            }
        }
        try commands.register(UpdateRule.self) { command, context in
            try await outbox.write(context) { db in
                let fields = command.fields
                try db.execute(
                    sql: """
                        UPDATE regla SET nombre = ?, usuario = ?, tipo_apertura = ?, umbral = ?, activa = ? WHERE id = ?
                        """,
                    arguments: [
                        fields.nombre, fields.usuario, fields.tipoApertura, fields.umbral, fields.activa, command.id,
                    ]
                )
                guard db.changesCount > 0 else { return nil }
                let rule = Rule(id: command.id, fields: fields)
                try context.record(RuleUpdated(rule: rule), to: ruleEventsTopic)
                return rule
            }
        }
        try commands.register(DeleteRule.self) { command, context in
            try await outbox.write(context) { db in
                try db.execute(sql: "DELETE FROM regla WHERE id = ?", arguments: [command.id])
                guard db.changesCount > 0 else { return false }
                try context.record(RuleDeleted(id: command.id), to: ruleEventsTopic)
                return true
            }
        }
    }

    /// How many rules the command side keeps.
    func ruleCount() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM regla") ?? 0 }
    }

    /// Adds the command side's routes to `router`.
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post(RouterPath(Self.path)) { request, _ in
            let fields = try await Self.fields(of: request)
            let answer = try await send(CreateRule(commandID: Self.commandID(of: request), fields: fields))
            return Self.response(answer.result.json, token: answer.consistencyToken, status: .created)
        }
        router.put(RouterPath(Self.path + "/:id")) { request, context in
            let id = try Self.ruleID(context)
            let fields = try await Self.fields(of: request)
            let answer = try await send(UpdateRule(commandID: Self.commandID(of: request), id: id, fields: fields))
            guard let rule = answer.result else { throw Self.unknown(id) }
            return Self.response(rule.json, token: answer.consistencyToken)
        }
        router.delete(RouterPath(Self.path + "/:id")) { request, context in
            let id = try Self.ruleID(context)
            let answer = try await send(DeleteRule(commandID: Self.commandID(of: request), id: id))
            guard answer.result else { throw Self.unknown(id) }
            return Self.response(
                .object([("id", .integer(id)), ("eliminada", .bool(true))]),
                token: answer.consistencyToken
            )
        }
    }

    /// Sends `command` and waits for its answer; a refusal becomes the HTTP error for it.
    private func send<C: Command>(_ command: C) async throws(APIError) -> CommandAnswer<C.Result> {
        do {
            return try await commands.send(command, timeout: Self.commandTimeout)
        } catch {
            switch error.code {
            case .validationFailed:
                throw APIError(.badRequest, error.reason, field: error.fieldPath)
            case .commandTimedOut:
                throw APIError(.gatewayTimeout, "the command side did not answer in time: \(error.reason)")
            default:
                throw APIError(.serviceUnavailable, "the command was not handled: \(error.reason)")
            }
        }
    }

    /// The body of `request`, decoded as the fields of a rule.
    private static func fields(of request: Request) async throws -> RuleFields {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maximumBodyBytes)
        } catch {
            throw APIError(.contentTooLarge, "the body is over \(maximumBodyBytes) bytes")
        }
        return try RuleFields.decode(Data(buffer: body))
    }

    /// The `X-Request-ID` header, or a fresh UUID.
    private static func commandID(of request: Request) -> String {
        request.headers[Headers.requestID] ?? UUID().uuidString.lowercased()
    }

    /// The `{id}` of the path, a positive integer.
    static func ruleID(_ context: BasicRequestContext) throws -> Int {
        let text = try context.parameters.require("id")
        guard let id = Int(text), id > 0 else {
            throw APIError(.badRequest, "the rule id must be a positive integer; got '\(text)'", field: "id")
        }
        return id
    }

    /// The 404 for the rule `id`.
    static func unknown(_ id: Int) -> APIError {
        APIError(.notFound, "there is no rule \(id)", field: "id")
    }

    /// `json` with the consistency token added as `consistency_token` and as the
    /// `X-Consistency-Token` header.
    private static func response(
        _ json: JSONValue,
        token: ConsistencyToken?,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        guard case .object(var fields) = json, let token else {
            return Response.json(json, status: status)
        }
        let text = token.description
        fields.append(("consistency_token", .string(text)))
        var response = Response.json(.object(fields), status: status)
        response.headers[Headers.consistencyToken] = text
        return response
    }
}

/// The HTTP headers of the example.
enum Headers {
    /// `X-Consistency-Token`: the events of a command, answered by the command side and given to
    /// the query side to wait for them.
    static let consistencyToken = HTTPFields.Element.Name("X-Consistency-Token")!
    /// `X-Request-ID`: the client's id of a request, the command id of what it sends.
    static let requestID = HTTPFields.Element.Name("X-Request-ID")!
}
