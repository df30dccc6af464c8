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
/// A payload is read in one pass, failing with the field's path: it must be JSON, match
/// ``Datatype/schema`` (no field missing, none undeclared, each of its JSON type and within its
/// bounds), and decode. Values are written with sorted keys and checked against the schema
/// before they are sent.
public protocol JSONDatatype: Datatype, Codable {}

extension JSONDatatype {
    /// `application/json`.
    public static var contentTypes: [String] { ["application/json"] }

    /// Reads the payload as JSON, checks it against the schema, and decodes it.
    ///
    /// A payload the schema certainly admits, as a quick reading of its bytes tells, is decoded
    /// at once; any other is checked through `JSONDecoder`, which names what is wrong.
    public init(payload: Data) throws(DatatypeError) {
        if Self.schema.admits(payload) {
            self = try decodeChecked(Self.self, from: payload, as: Self.typeName)
        } else {
            self = try Self(checkingThoroughly: payload)
        }
    }

    /// Reads the payload as JSON, checking it against the schema field by field as it decodes.
    init(checkingThoroughly payload: Data) throws(DatatypeError) {
        self = try decodeChecked(SchemaChecked<Self>.self, from: payload, as: Self.typeName).value
    }

    /// The value as JSON with sorted keys, checked against the schema, so a value out of its
    /// schema's bounds is refused before it is sent.
    ///
    /// - Throws: ``DatatypeError/Code/invalid`` naming the field.
    public func encoded() throws(DatatypeError) -> Data {
        try Self.schema.check(encoding: self)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return try encoder.encode(self)
        } catch {
            throw DatatypeError(.invalid, "A \(Self.typeName) could not be written as JSON: \(error).")
        }
    }
}

/// A JSON payload checked against `Value`'s schema and decoded as `Value`, from one parse of
/// the bytes.
private struct SchemaChecked<Value: JSONDatatype>: Decodable {
    let value: Value

    init(from decoder: any Decoder) throws {
        try Value.schema.check(decoder)
        value = try Value(from: decoder)
    }
}

/// Decodes `payload` as `type`, turning every failure into a ``DatatypeError`` about a
/// `typeName`.
private func decodeChecked<Checked: Decodable>(_ type: Checked.Type, from payload: Data, as typeName: String)
    throws(DatatypeError) -> Checked
{
    do {
        return try JSONDecoder().decode(type, from: payload)
    } catch let error as DatatypeError {
        throw error
    } catch let error as DecodingError {
        throw DatatypeError(decoding: error, as: typeName)
    } catch {
        throw DatatypeError(.undecodable, "The payload is not a valid \(typeName): \(error).")
    }
}

extension DatatypeError {
    /// An ``Code/undecodable`` error naming the field `error` is about and what was wrong with it.
    init(decoding error: DecodingError, as typeName: String) {
        func words(_ type: Any.Type) -> String {
            switch type {
            case is Bool.Type: "a boolean"
            case is String.Type: "a string"
            case is Double.Type, is Float.Type: "a number"
            case is any BinaryInteger.Type: "an integer"
            case is [Any].Type: "an array"
            default: "an object"
            }
        }
        let (context, what): (DecodingError.Context?, String) =
            switch error {
            case .keyNotFound(_, let context): (context, "is missing")
            case .typeMismatch(let type, let context): (context, "is not \(words(type))")
            case .valueNotFound(let type, let context): (context, "is null; expected \(words(type))")
            case .dataCorrupted(let context): (context, "is not valid: \(context.debugDescription)")
            @unknown default: (nil, "is not valid")
            }
        var path = (context?.codingPath ?? []).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        if case .keyNotFound(let key, _) = error {
            path.append(key.stringValue)
        }
        if path.isEmpty {
            let reason =
                if case .dataCorrupted = error {
                    "The payload is not JSON."
                } else {
                    "The payload \(what); a \(typeName) is an object."
                }
            self.init(.undecodable, reason)
        } else {
            let field = FieldPath.joined(path)
            self.init(.undecodable, "Field '\(field)' \(what).", fieldPath: field)
        }
    }
}
