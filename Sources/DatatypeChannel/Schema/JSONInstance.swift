#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A parsed JSON document, as a ``JSONSchema`` checks it.
enum JSONInstance: Sendable, Decodable {
    case null
    case boolean(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONInstance])
    case object([String: JSONInstance])

    /// Parses `payload`.
    ///
    /// - Throws: ``DatatypeError/Code/undecodable`` if it is not JSON.
    init(parsing payload: Data) throws(DatatypeError) {
        do {
            self = try JSONDecoder().decode(JSONInstance.self, from: payload)
        } catch {
            throw DatatypeError(.undecodable, "The payload is not JSON.")
        }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .boolean(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONInstance].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONInstance].self))
        }
    }

    /// What the instance is, in words.
    var kindName: String {
        switch self {
        case .null: "null"
        case .boolean: "a boolean"
        case .integer: "an integer"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
