#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension JSONSchema {
    /// Checks `value` against the schema as the value encodes itself, writing no JSON.
    ///
    /// It sees what `JSONEncoder`, with its default strategies, would write: `Data` as a base64
    /// string, `URL` as a string, `Decimal` as a number, `nil` through `encodeNil` as `null`.
    /// So a value passes exactly when its JSON would pass ``check(_:)``, without the JSON being
    /// written and parsed again, which took about a quarter of a typed channel's time per message.
    ///
    /// - Throws: ``DatatypeError/Code/invalid`` naming the field: a value out of bounds or of
    ///   another JSON type, a required field the value does not write, or one the schema does not
    ///   declare.
    func check<Value: Encodable>(encoding value: Value) throws(DatatypeError) {
        let run = SchemaCheckRun()
        do {
            try SchemaCheckingEncoder(schema: self, at: .root, run: run).encodeValue(value)
        } catch let error as DatatypeError {
            throw error
        } catch {
            throw DatatypeError(.invalid, "The value could not be checked against its schema: \(error).")
        }
        try run.finish()
    }
}

/// Where a value sits in the one being checked, spelled out only when a problem is reported.
private indirect enum SchemaCheckPath {
    case root
    case field(String, in: SchemaCheckPath)
    case element(Int, in: SchemaCheckPath)

    var components: [String] {
        switch self {
        case .root: []
        case .field(let name, let parent): parent.components + [name]
        case .element(let index, let parent): parent.components + ["[\(index)]"]
        }
    }

    func failure(_ what: String) -> DatatypeError {
        JSONSchema.failure(.invalid, what, at: components)
    }
}

/// What one check has seen so far: the objects whose fields are counted once the value has
/// been written, and the first problem found where no error could be thrown.
private final class SchemaCheckRun {
    var objects: [SchemaCheckingEncoder] = []
    var problem: DatatypeError?

    func record(_ problem: DatatypeError) {
        if self.problem == nil {
            self.problem = problem
        }
    }

    /// Throws the first problem, then checks each object's fields: none missing.
    func finish() throws(DatatypeError) {
        if let problem {
            throw problem
        }
        for object in objects {
            try object.checkRequiredFields()
        }
    }
}

/// An `Encoder` that checks what it is given against a schema. `nil` as its schema accepts
/// anything, as an object's undeclared fields are when the object allows them.
private final class SchemaCheckingEncoder: Encoder {
    let schema: JSONSchema?
    let path: SchemaCheckPath
    let run: SchemaCheckRun
    /// For an object: which of its schema's properties it has written, by index; empty until
    /// it asks for a keyed container.
    private var written: [Bool] = []

    var codingPath: [any CodingKey] { path.components.map(FieldName.init) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(schema: JSONSchema?, at path: SchemaCheckPath, run: SchemaCheckRun) {
        self.schema = schema
        self.path = path
        self.run = run
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        switch schema {
        case .object(let properties, _):
            if written.isEmpty, !properties.isEmpty {
                written = Array(repeating: false, count: properties.count)
                run.objects.append(self)
            }
        case nil, .bytes:
            break
        default:
            run.record(mismatch(at: path, expected: schema, wrote: "an object"))
        }
        return KeyedEncodingContainer(SchemaCheckingKeyedContainer<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        switch schema {
        case .array, nil, .bytes: break
        default: run.record(mismatch(at: path, expected: schema, wrote: "an array"))
        }
        return SchemaCheckingUnkeyedContainer(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SchemaCheckingSingleValueContainer(encoder: self)
    }

    /// A new encoder for this object's field `name`; records a field the schema does not declare.
    func field(_ name: String) -> SchemaCheckingEncoder {
        SchemaCheckingEncoder(schema: schema(ofField: name), at: .field(name, in: path), run: run)
    }

    /// A new encoder for this array's element `index`.
    func element(_ index: Int) -> SchemaCheckingEncoder {
        let items: JSONSchema? = if case .array(let items) = schema { items } else { nil }
        return SchemaCheckingEncoder(schema: items, at: .element(index, in: path), run: run)
    }

    private func schema(ofField name: String) -> JSONSchema? {
        guard case .object(let properties, let additional) = schema else { return nil }
        if let index = properties.firstIndex(where: { $0.name == name }) {
            written[index] = true
            return properties[index].schema
        }
        if !additional {
            run.record(JSONSchema.failure(.invalid, "is not a field of this type", at: path.components + [name]))
        }
        return nil
    }

    /// Checks `value`: a scalar at once, anything else by letting it encode itself here.
    func encodeValue<Value: Encodable>(_ value: Value) throws {
        if let scalar = SchemaScalar(value) {
            try scalar.check(against: schema, at: path)
        } else {
            try value.encode(to: self)
        }
    }

    /// Checks a scalar against the schema.
    func check(_ scalar: SchemaScalar) throws(DatatypeError) {
        try scalar.check(against: schema, at: path)
    }

    /// Checks a scalar written as this object's field `name`, with no encoder of its own.
    func check(_ scalar: SchemaScalar, asField name: String) throws(DatatypeError) {
        try scalar.check(against: schema(ofField: name), at: .field(name, in: path))
    }

    /// Checks that the object wrote every required field.
    func checkRequiredFields() throws(DatatypeError) {
        guard case .object(let properties, _) = schema else { return }
        for (index, property) in properties.enumerated() where property.isRequired && !written[index] {
            throw JSONSchema.failure(.invalid, "is missing", at: path.components + [property.name])
        }
    }
}

/// A value `JSONEncoder` writes as one JSON scalar.
private enum SchemaScalar {
    case string(String)
    case integer(Int)
    case number(Double)
    case boolean
    case null

    init?(_ value: some Encodable) {
        switch value {
        case let text as String: self = .string(text)
        case let number as Int: self = .integer(number)
        case let number as Double: self = .number(number)
        case is Bool: self = .boolean
        case let number as any BinaryInteger: self = Int(exactly: number).map(Self.integer) ?? .number(Double(number))
        case let number as any BinaryFloatingPoint: self = .number(Double(number))
        case let data as Data: self = .string(data.base64EncodedString())
        case let url as URL: self = .string(url.absoluteString)
        case let decimal as Decimal: self = .number(Double("\(decimal)") ?? .nan)
        default: return nil
        }
    }

    /// Checks the scalar against `schema`; `path` is spelled out only for a problem.
    func check(against schema: JSONSchema?, at path: @autoclosure () -> SchemaCheckPath) throws(DatatypeError) {
        let problem: String?
        switch (schema, self) {
        case (nil, _), (.bytes, _), (.boolean, .boolean):
            problem = nil
        case (.string(let minLength), .string(let text)):
            problem = JSONSchema.lengthProblem(text, minLength)
        case (.integer(let minimum), .integer(let number)):
            problem = JSONSchema.minimumProblem(number, minimum)
        case (.integer(let minimum), .number(let number)):
            guard let whole = Int(exactly: number) else {
                throw mismatch(at: path(), expected: schema, wrote: words)
            }
            problem = JSONSchema.minimumProblem(whole, minimum)
        case (.number(let minimum), .integer(let number)):
            problem = JSONSchema.minimumProblem(Double(number), minimum)
        case (.number(let minimum), .number(let number)) where number.isFinite:
            problem = JSONSchema.minimumProblem(number, minimum)
        default:
            throw mismatch(at: path(), expected: schema, wrote: words)
        }
        if let problem {
            throw path().failure(problem)
        }
    }

    /// What the scalar is, in words.
    var words: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .number: "a number"
        case .boolean: "a boolean"
        case .null: "null"
        }
    }
}

/// A value of another JSON type than the schema's.
private func mismatch(at path: SchemaCheckPath, expected schema: JSONSchema?, wrote what: String) -> DatatypeError {
    let expected =
        switch schema {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .integer: "an integer"
        case .number: "a finite number"
        case .boolean: "a boolean"
        case .bytes, nil: "anything"
        }
    return path.failure("is \(what); expected \(expected)")
}

private struct SchemaCheckingKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: SchemaCheckingEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil(forKey key: Key) throws {
        try encoder.check(.null, asField: key.stringValue)
    }

    mutating func encode(_ value: String, forKey key: Key) throws {
        try encoder.check(.string(value), asField: key.stringValue)
    }

    mutating func encode(_ value: Int, forKey key: Key) throws {
        try encoder.check(.integer(value), asField: key.stringValue)
    }

    mutating func encode(_ value: Double, forKey key: Key) throws {
        try encoder.check(.number(value), asField: key.stringValue)
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws {
        try encoder.check(.boolean, asField: key.stringValue)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        if let scalar = SchemaScalar(value) {
            try encoder.check(scalar, asField: key.stringValue)
        } else {
            try encoder.field(key.stringValue).encodeValue(value)
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        encoder.field(key.stringValue).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        encoder.field(key.stringValue).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        encoder.field("super")
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        encoder.field(key.stringValue)
    }
}

private struct SchemaCheckingUnkeyedContainer: UnkeyedEncodingContainer {
    let encoder: SchemaCheckingEncoder
    var count = 0
    var codingPath: [any CodingKey] { encoder.codingPath }

    private mutating func next() -> SchemaCheckingEncoder {
        defer { count += 1 }
        return encoder.element(count)
    }

    mutating func encodeNil() throws {
        try next().check(.null)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try next().encodeValue(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        next().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        next().unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        next()
    }
}

private struct SchemaCheckingSingleValueContainer: SingleValueEncodingContainer {
    let encoder: SchemaCheckingEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws {
        try encoder.check(.null)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try encoder.encodeValue(value)
    }
}
