import CQRS
import CQRSSQLite
import ExampleSupport
import GRDB
import Hummingbird
import MessageBus

/// The query side, *reportes* (the seed's other `app.py`, on :5004): a read model of the rules in
/// its own SQLite database, built by a projection of the command side's events, and the
/// queries it answers.
///
/// - `GET /monitor_aperturas/reglas/{id}`: the rule, or 404.
/// - `GET /monitor_aperturas/reglas?usuario=…`: the rules of a user (every rule without
///   `usuario`), by id.
///
/// The read model follows the command side a moment behind. A client that must see its own
/// write sends the command's token in the `X-Consistency-Token` header: the query then waits,
/// up to ``consistencyTimeout``, until the projection has applied the command's events (504 if
/// it has not by then, 400 for a header that is not a token).
struct QueriesApplication: Sendable {
    /// The longest a query waits for the events of a consistency token.
    static let consistencyTimeout: Duration = .seconds(5)

    /// The read model: the view `reglas`, over a table per version of the projection.
    let projection: SQLiteProjection

    /// Opens the projection of the rules in `database`.
    init(database: any DatabaseWriter) throws(CQRSError) {
        projection = try SQLiteProjection(name: "reglas", version: 1, topic: ruleEventsTopic, database: database) {
            db,
            table in
            try db.execute(
                sql: """
                    CREATE TABLE \(table) (
                        id INTEGER PRIMARY KEY, nombre TEXT NOT NULL, usuario TEXT NOT NULL,
                        tipo_apertura TEXT NOT NULL, umbral INTEGER NOT NULL, activa INTEGER NOT NULL);
                    CREATE INDEX \(table)_usuario ON \(table) (usuario);
                    """
            )
        }
        projection.on(RuleCreated.self) { event, db, table in
            try Self.save(event.rule, in: db, table: table)
        }
        projection.on(RuleUpdated.self) { event, db, table in
            try Self.save(event.rule, in: db, table: table)
        }
        projection.on(RuleDeleted.self) { event, db, table in
            try db.execute(sql: "DELETE FROM \(table) WHERE id = ?", arguments: [event.id])
        }
    }

    private static func save(_ rule: Rule, in db: Database, table: String) throws {
        let fields = rule.fields
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO \(table) (id, nombre, usuario, tipo_apertura, umbral, activa)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [rule.id, fields.nombre, fields.usuario, fields.tipoApertura, fields.umbral, fields.activa]
        )
    }

    /// The rule `id`, if the read model has it.
    func rule(_ id: Int) async throws -> Rule? {
        try await projection.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM reglas WHERE id = ?", arguments: [id]).map(Self.rule)
        }
    }

    /// The rules of `user`, or every rule, by id.
    func rules(of user: String?) async throws -> [Rule] {
        try await projection.read { db in
            guard let user else {
                return try Row.fetchAll(db, sql: "SELECT * FROM reglas ORDER BY id").map(Self.rule)
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM reglas WHERE usuario = ? ORDER BY id", arguments: [user])
                .map(Self.rule)
        }
    }

    private static func rule(_ row: Row) -> Rule {
        Rule(
            id: row["id"],
            fields: RuleFields(
                nombre: row["nombre"],
                usuario: row["usuario"],
                tipoApertura: row["tipo_apertura"],
                umbral: row["umbral"],
                activa: row["activa"]
            )
        )
    }

    /// Adds the query side's routes to `router`.
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get(RouterPath(CommandsApplication.path + "/:id")) { request, context in
            let id = try CommandsApplication.ruleID(context)
            try await waitForToken(of: request)
            guard let rule = try await rule(id) else { throw CommandsApplication.unknown(id) }
            return Response.json(rule.json)
        }
        router.get(RouterPath(CommandsApplication.path)) { request, _ in
            try await waitForToken(of: request)
            let user = request.uri.queryParameters.get("usuario")
            let rules = try await rules(of: user).map(\.json)
            return Response.json(.object([("reglas", .array(rules))]))
        }
    }

    /// Waits until the projection applied the events of the request's `X-Consistency-Token`,
    /// when it has one.
    private func waitForToken(of request: Request) async throws(APIError) {
        guard let text = request.headers[Headers.consistencyToken] else { return }
        do throws(CQRSError) {
            let token = try ConsistencyToken(parsing: text)
            try await projection.waitUntilApplied(token, timeout: Self.consistencyTimeout)
        } catch {
            switch error.code {
            case .invalidToken:
                throw APIError(.badRequest, error.reason, field: "X-Consistency-Token")
            default:
                throw APIError(.gatewayTimeout, "the read model has not caught up: \(error.reason)")
            }
        }
    }
}
