import CQRS
import ExampleSupport
import Foundation

/// What a client sends to create or replace a rule of *monitor aperturas*: an alert on openings
/// (of a door, a safe, an account) of one kind by one user, raised past a threshold.
///
/// The body of `POST` and `PUT /monitor_aperturas/reglas` is exactly these five fields:
///
/// | Field | Type | Rule |
/// | --- | --- | --- |
/// | `nombre` | string | not empty |
/// | `usuario` | string | not empty |
/// | `tipo_apertura` | string | not empty |
/// | `umbral` | integer | 0 or more |
/// | `activa` | boolean | |
///
/// Decoding refuses a missing field, a field of another type and a field not in the list, each
/// with a `DecodingError` whose coding path names the field.
struct RuleFields: Codable, Sendable, Equatable {
    /// The rule's name.
    var nombre: String
    /// The user whose openings the rule watches.
    var usuario: String
    /// The kind of opening watched.
    var tipoApertura: String
    /// How many openings are allowed before the alert.
    var umbral: Int
    /// Whether the rule is on.
    var activa: Bool

    enum CodingKeys: String, CodingKey, CaseIterable {
        case nombre
        case usuario
        case tipoApertura = "tipo_apertura"
        case umbral
        case activa
    }

    init(nombre: String, usuario: String, tipoApertura: String, umbral: Int, activa: Bool) {
        self.nombre = nombre
        self.usuario = usuario
        self.tipoApertura = tipoApertura
        self.umbral = umbral
        self.activa = activa
    }

    init(from decoder: any Decoder) throws {
        let any = try decoder.container(keyedBy: AnyKey.self)
        for key in any.allKeys where CodingKeys(rawValue: key.stringValue) == nil {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [key], debugDescription: "is not a field of a rule")
            )
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        nombre = try container.decode(String.self, forKey: .nombre)
        usuario = try container.decode(String.self, forKey: .usuario)
        tipoApertura = try container.decode(String.self, forKey: .tipoApertura)
        umbral = try container.decode(Int.self, forKey: .umbral)
        activa = try container.decode(Bool.self, forKey: .activa)
        if let (key, rule) = problem {
            throw DecodingError.dataCorrupted(.init(codingPath: [key], debugDescription: rule))
        }
    }

    /// Throws `CQRSError.invalid` naming the first field that breaks its rule.
    func validate() throws(CQRSError) {
        if let (key, rule) = problem {
            throw CQRSError.invalid(key.rawValue, rule)
        }
    }

    /// The first field that breaks its rule, and the rule.
    private var problem: (CodingKeys, String)? {
        for (key, value) in [(CodingKeys.nombre, nombre), (.usuario, usuario), (.tipoApertura, tipoApertura)]
        where value.trimmingCharacters(in: .whitespaces).isEmpty {
            return (key, "must not be empty")
        }
        return umbral < 0 ? (.umbral, "must be 0 or more") : nil
    }

    /// Decodes a request body.
    ///
    /// - Throws: `APIError` 400 naming the field at fault, or saying the body is not JSON.
    static func decode(_ body: Data) throws -> RuleFields {
        do {
            return try JSONDecoder().decode(RuleFields.self, from: body)
        } catch let error as DecodingError {
            throw APIError.invalidBody(error)
        }
    }

    /// Any key of a JSON object.
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
