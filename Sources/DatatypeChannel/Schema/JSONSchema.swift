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
    /// Checks the value `decoder` reads against the schema, reading each field as the schema
    /// says rather than as a Swift type does, so a field the type would ignore or coerce is
    /// caught too.
    ///
    /// - Throws: ``DatatypeError/Code/undecodable`` for a missing or undeclared field,
    ///   ``DatatypeError/Code/invalid`` for a value out of bounds, both naming the field's path;
    ///   the decoder's `DecodingError` for a value of another JSON type.
    func check(_ decoder: any Decoder) throws {
        switch self {
        case .object(let properties, let additional):
            try Self.checkObject(properties, additional, decoder.container(keyedBy: FieldName.self), at: [])
        case .array(let items):
            var elements = try decoder.unkeyedContainer()
            try items.checkElements(of: &elements, at: [])
        case .string(let minLength):
            try Self.checkLength(decoder.singleValueContainer().decode(String.self), minLength, at: [])
        case .integer(let minimum):
            try Self.checkMinimum(decoder.singleValueContainer().decode(Int.self), minimum, at: [])
        case .number(let minimum):
            try Self.checkMinimum(decoder.singleValueContainer().decode(Double.self), minimum, at: [])
        case .boolean:
            _ = try decoder.singleValueContainer().decode(Bool.self)
        case .bytes:
            break
        }
    }

    /// Checks the fields of an object; leaves are read straight from the container, without a
    /// decoder of their own.
    private static func checkObject(
        _ properties: [Property],
        _ additional: Bool,
        _ container: KeyedDecodingContainer<FieldName>,
        at path: [String]
    ) throws {
        var present = 0
        for property in properties {
            let key = FieldName(property.name)
            guard container.contains(key) else {
                if property.isRequired {
                    throw failure(.undecodable, "is missing", at: path + [property.name])
                }
                continue
            }
            present += 1
            let fieldPath = path + [property.name]
            switch property.schema {
            case .object(let properties, let additional):
                try checkObject(
                    properties,
                    additional,
                    container.nestedContainer(keyedBy: FieldName.self, forKey: key),
                    at: fieldPath
                )
            case .array(let items):
                var elements = try container.nestedUnkeyedContainer(forKey: key)
                try items.checkElements(of: &elements, at: fieldPath)
            case .string(let minLength):
                try checkLength(container.decode(String.self, forKey: key), minLength, at: fieldPath)
            case .integer(let minimum):
                try checkMinimum(container.decode(Int.self, forKey: key), minimum, at: fieldPath)
            case .number(let minimum):
                try checkMinimum(container.decode(Double.self, forKey: key), minimum, at: fieldPath)
            case .boolean:
                _ = try container.decode(Bool.self, forKey: key)
            case .bytes:
                break
            }
        }
        let keys = container.allKeys
        if !additional, keys.count > present {
            let declared = Set(properties.map(\.name))
            let unknown = keys.map(\.stringValue).filter { !declared.contains($0) }.sorted()
            throw failure(.undecodable, "is not a field of this type", at: path + [unknown[0]])
        }
    }

    /// Checks every element of an array against this schema.
    private func checkElements(of elements: inout any UnkeyedDecodingContainer, at path: [String]) throws {
        var index = 0
        while !elements.isAtEnd {
            let elementPath = path + ["[\(index)]"]
            switch self {
            case .object(let properties, let additional):
                try Self.checkObject(
                    properties,
                    additional,
                    elements.nestedContainer(keyedBy: FieldName.self),
                    at: elementPath
                )
            case .array(let items):
                var nested = try elements.nestedUnkeyedContainer()
                try items.checkElements(of: &nested, at: elementPath)
            case .string(let minLength):
                try Self.checkLength(elements.decode(String.self), minLength, at: elementPath)
            case .integer(let minimum):
                try Self.checkMinimum(elements.decode(Int.self), minimum, at: elementPath)
            case .number(let minimum):
                try Self.checkMinimum(elements.decode(Double.self), minimum, at: elementPath)
            case .boolean:
                _ = try elements.decode(Bool.self)
            case .bytes:
                _ = try elements.superDecoder()
            }
            index += 1
        }
    }

    private static func checkLength(_ text: String, _ minLength: Int?, at path: [String]) throws(DatatypeError) {
        if let what = lengthProblem(text, minLength) {
            throw failure(.invalid, what, at: path)
        }
    }

    private static func checkMinimum<Number: Comparable & CustomStringConvertible>(
        _ number: Number,
        _ minimum: Number?,
        at path: [String]
    ) throws(DatatypeError) {
        if let what = minimumProblem(number, minimum) {
            throw failure(.invalid, what, at: path)
        }
    }

    /// What is wrong with `text` under `minLength`, or `nil`.
    static func lengthProblem(_ text: String, _ minLength: Int?) -> String? {
        guard let minLength, text.count < minLength else { return nil }
        return "must have at least \(minLength) characters"
    }

    /// What is wrong with `number` under `minimum`, or `nil`.
    static func minimumProblem<Number: Comparable & CustomStringConvertible>(_ number: Number, _ minimum: Number?)
        -> String?
    {
        guard let minimum, number < minimum else { return nil }
        return "must be at least \(minimum)"
    }

    /// The error about the field at `path`, or about the payload when `path` is empty.
    static func failure(_ code: DatatypeError.Code, _ what: String, at path: [String]) -> DatatypeError {
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

    /// Encodes the schema as a JSON Schema object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        switch self {
        case .object(let properties, let additional):
            try container.encode("object", forKey: .type)
            var named = container.nestedContainer(keyedBy: FieldName.self, forKey: .properties)
            for property in properties {
                try named.encode(property.schema, forKey: FieldName(property.name))
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

/// A field's name, as a coding key.
struct FieldName: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) {
        stringValue = name
    }

    init?(stringValue: String) {
        self.stringValue = stringValue
    }

    init?(intValue: Int) {
        nil
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
