/// The JSON Schema of a datatype: what a channel tells its users it carries, and what a JSON
/// payload is checked against before it is decoded.
///
/// A small, closed subset of JSON Schema (draft 2020-12) that covers records: objects with
/// required and optional properties, strings, integers, numbers, booleans, arrays, and the
/// bytes of binary and text channels. Objects are closed by default: a field the schema does not
/// declare makes a payload undecodable, so a misspelt field is reported rather than ignored.
///
/// ```swift
/// static let schema: JSONSchema = .object([
///     .init("id_cliente", .string(minLength: 1)),
///     .init("edad", .integer(minimum: 0)),
///     .init("promocion", .string(), isRequired: false),
/// ])
/// ```
public indirect enum JSONSchema: Sendable, Hashable {
    /// An object with these properties; others are refused unless `additionalProperties`.
    case object([Property], additionalProperties: Bool = false)
    /// A string of at least `minLength` characters.
    case string(minLength: Int? = nil)
    /// A whole number no less than `minimum`.
    case integer(minimum: Int? = nil)
    /// A number no less than `minimum`.
    case number(minimum: Double? = nil)
    /// `true` or `false`.
    case boolean
    /// An array whose elements all match a schema.
    case array(of: JSONSchema)
    /// Raw bytes of one of these media types: the payload of a binary or text channel, which is
    /// not JSON.
    case bytes(mediaTypes: [String])

    /// A property of an object schema.
    public struct Property: Sendable, Hashable {
        /// The property's name, as it appears in the JSON.
        public var name: String
        /// The schema of its value.
        public var schema: JSONSchema
        /// Whether a payload must have it. Default: `true`.
        public var isRequired: Bool

        /// Creates a property.
        public init(_ name: String, _ schema: JSONSchema, isRequired: Bool = true) {
            self.name = name
            self.schema = schema
            self.isRequired = isRequired
        }
    }
}

// MARK: - Checking

extension JSONSchema {
    /// Checks `instance` against the schema.
    ///
    /// - Throws: ``DatatypeError/Code/undecodable`` for a missing, undeclared or mistyped field,
    ///   ``DatatypeError/Code/invalid`` for a value out of bounds; both name the field's path.
    func check(_ instance: JSONInstance, at path: [String] = []) throws(DatatypeError) {
        switch (self, instance) {
        case (.object(let properties, let additional), .object(let fields)):
            for property in properties where property.isRequired && fields[property.name] == nil {
                throw Self.failure(.undecodable, "is missing", at: path + [property.name])
            }
            for name in fields.keys.sorted() {
                if let property = properties.first(where: { $0.name == name }) {
                    try property.schema.check(fields[name]!, at: path + [name])
                } else if !additional {
                    throw Self.failure(.undecodable, "is not a field of this type", at: path + [name])
                }
            }
        case (.string(let minLength), .string(let text)):
            if let minLength, text.count < minLength {
                throw Self.failure(.invalid, "must have at least \(minLength) characters", at: path)
            }
        case (.integer(let minimum), .integer(let number)):
            if let minimum, number < minimum {
                throw Self.failure(.invalid, "must be at least \(minimum)", at: path)
            }
        case (.number(let minimum), .integer(let number)):
            if let minimum, Double(number) < minimum {
                throw Self.failure(.invalid, "must be at least \(minimum)", at: path)
            }
        case (.number(let minimum), .number(let number)):
            if let minimum, number < minimum {
                throw Self.failure(.invalid, "must be at least \(minimum)", at: path)
            }
        case (.boolean, .boolean):
            break
        case (.array(let items), .array(let elements)):
            for (index, element) in elements.enumerated() {
                try items.check(element, at: path + ["[\(index)]"])
            }
        case (.bytes, _):
            break
        default:
            throw Self.failure(.undecodable, "is \(instance.kindName); expected \(kindName)", at: path)
        }
    }

    /// What the schema accepts, in words.
    var kindName: String {
        switch self {
        case .object: "an object"
        case .string: "a string"
        case .integer: "an integer"
        case .number: "a number"
        case .boolean: "a boolean"
        case .array: "an array"
        case .bytes(let mediaTypes): mediaTypes.joined(separator: " or ")
        }
    }

    private static func failure(_ code: DatatypeError.Code, _ what: String, at path: [String]) -> DatatypeError {
        let field = FieldPath.joined(path)
        let subject = path.isEmpty ? "The payload" : "Field '\(field)'"
        return DatatypeError(code, "\(subject) \(what).", fieldPath: path.isEmpty ? nil : field)
    }
}

// MARK: - Encoding

extension JSONSchema: Encodable {
    private enum Keys: String, CodingKey {
        case type, properties, required, additionalProperties, minLength, minimum, items, contentMediaType, anyOf
    }

    private struct Name: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Encodes the schema as a JSON Schema object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        switch self {
        case .object(let properties, let additional):
            try container.encode("object", forKey: .type)
            var named = container.nestedContainer(keyedBy: Name.self, forKey: .properties)
            for property in properties {
                try named.encode(property.schema, forKey: Name(property.name))
            }
            try container.encode(properties.filter(\.isRequired).map(\.name), forKey: .required)
            try container.encode(additional, forKey: .additionalProperties)
        case .string(let minLength):
            try container.encode("string", forKey: .type)
            try container.encodeIfPresent(minLength, forKey: .minLength)
        case .integer(let minimum):
            try container.encode("integer", forKey: .type)
            try container.encodeIfPresent(minimum, forKey: .minimum)
        case .number(let minimum):
            try container.encode("number", forKey: .type)
            try container.encodeIfPresent(minimum, forKey: .minimum)
        case .boolean:
            try container.encode("boolean", forKey: .type)
        case .array(let items):
            try container.encode("array", forKey: .type)
            try container.encode(items, forKey: .items)
        case .bytes(let mediaTypes):
            try container.encode("string", forKey: .type)
            if mediaTypes.count == 1 {
                try container.encode(mediaTypes[0], forKey: .contentMediaType)
            } else {
                try container.encode(mediaTypes.map { ["contentMediaType": $0] }, forKey: .anyOf)
            }
        }
    }
}

/// The dotted path of a field, such as `address.city` or `items[2].price`.
enum FieldPath {
    static func joined(_ components: [String]) -> String {
        var path = ""
        for component in components {
            if !path.isEmpty && !component.hasPrefix("[") {
                path += "."
            }
            path += component
        }
        return path
    }
}
