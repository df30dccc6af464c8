import ExampleSupport

/// A rule as both sides answer it: its id and its fields.
struct Rule: Codable, Sendable, Equatable {
    /// The id the command side gave the rule, from 1.
    var id: Int
    /// The rule's fields.
    var fields: RuleFields

    /// The rule as JSON, `id` first, then the fields in the order of ``RuleFields``.
    var json: JSONValue {
        .object([
            ("id", .integer(id)),
            ("nombre", .string(fields.nombre)),
            ("usuario", .string(fields.usuario)),
            ("tipo_apertura", .string(fields.tipoApertura)),
            ("umbral", .integer(fields.umbral)),
            ("activa", .bool(fields.activa)),
        ])
    }
}
