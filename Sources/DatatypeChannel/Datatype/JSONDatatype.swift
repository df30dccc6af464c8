#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A record that travels as JSON: declare its name, version and schema, and the encoding comes
/// with the protocol.
///
/// ```swift
/// struct Customer: JSONDatatype {
///     static let typeName = "customer"
///     static let schemaVersion = 1
///     static let schema: JSONSchema = .object([.init("id", .string(minLength: 1)), .init("age", .integer())])
///
///     var id: String
///     var age: Int
///     var partitionKey: String? { id }
///
///     func validate() throws(DatatypeError) {
///         guard age >= 0 else { throw DatatypeError.invalid("age", "must not be negative") }
///     }
/// }
/// ```
///
/// A payload is read in three steps, each failing with the field's path: it must be JSON, it
/// must match ``Datatype/schema`` (no field missing, none undeclared, each of its type), and it
/// must decode. Values are written with sorted keys.
public protocol JSONDatatype: Datatype, Codable {}

extension JSONDatatype {
    /// `application/json`.
    public static var contentTypes: [String] { ["application/json"] }

    /// Parses the payload, checks it against the schema, and decodes it.
    public init(payload: Data) throws(DatatypeError) {
        try Self.schema.check(JSONInstance(parsing: payload))
        do {
            self = try JSONDecoder().decode(Self.self, from: payload)
        } catch let error as DecodingError {
            throw Self.undecodable(error)
        } catch {
            throw DatatypeError(.undecodable, "The payload is not a valid \(Self.typeName): \(error).")
        }
    }

    /// The value as JSON with sorted keys.
    public func encoded() throws(DatatypeError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return try encoder.encode(self)
        } catch {
            throw DatatypeError(.invalid, "A \(Self.typeName) could not be written as JSON: \(error).")
        }
    }

    private static func undecodable(_ error: DecodingError) -> DatatypeError {
        let (context, what): (DecodingError.Context?, String) =
            switch error {
            case .keyNotFound(let key, let context):
                (context, "is missing a field '\(key.stringValue)'")
            case .typeMismatch(let type, let context):
                (context, "is not a \(type)")
            case .valueNotFound(let type, let context):
                (context, "is null; expected a \(type)")
            case .dataCorrupted(let context):
                (context, "is not valid: \(context.debugDescription)")
            @unknown default:
                (nil, "is not valid")
            }
        var path = (context?.codingPath ?? []).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        if case .keyNotFound(let key, _) = error {
            path.append(key.stringValue)
        }
        let field = FieldPath.joined(path)
        let reason =
            if case .keyNotFound = error {
                "Field '\(field)' is missing."
            } else {
                path.isEmpty ? "The payload \(what)." : "Field '\(field)' \(what)."
            }
        return DatatypeError(.undecodable, reason, fieldPath: path.isEmpty ? nil : field)
    }
}
