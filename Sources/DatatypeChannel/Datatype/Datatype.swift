#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A type of data that travels on its own channel: a customer record, an image, a text.
///
/// A datatype declares a stable ``typeName`` and a ``schemaVersion`` — chosen, not derived from
/// the Swift type's name, so renaming the type changes nothing on the wire — the media types of
/// its payload, and its ``schema``. It turns itself into payload bytes and back, checking the
/// bytes as it reads them, and may check its own rules in ``validate()``.
///
/// Records conform to ``JSONDatatype``, which supplies the encoding; binary payloads to
/// ``BinaryDatatype``. The module ships ``Image``, ``Video``, ``Document`` and ``Text``.
public protocol Datatype: Sendable {
    /// The stable name of the type, such as `customer`: the CloudEvents `type` of its messages.
    static var typeName: String { get }
    /// The version of the type's schema, from 1. Raise it when the payload changes shape.
    static var schemaVersion: Int { get }
    /// The media types a payload of this type may have, the usual one first.
    static var contentTypes: [String] { get }
    /// The JSON Schema of the payload.
    static var schema: JSONSchema { get }

    /// Reads a value from payload bytes, checking that they are of this type.
    ///
    /// - Throws: ``DatatypeError/Code/undecodable`` or ``DatatypeError/Code/typeMismatch``.
    init(payload: Data) throws(DatatypeError)

    /// The value as payload bytes.
    ///
    /// - Throws: ``DatatypeError/Code/invalid`` if the value cannot be written.
    func encoded() throws(DatatypeError) -> Data

    /// The media type of this value's payload. Default: the first of ``contentTypes``.
    var contentType: String { get }

    /// The key that keeps related values in order, such as a customer's id. Default: `nil`.
    var partitionKey: String? { get }

    /// Checks the rules of the type that its schema does not say. Default: none.
    ///
    /// - Throws: ``DatatypeError/Code/invalid``, best made with ``DatatypeError/invalid(_:_:file:line:)``.
    func validate() throws(DatatypeError)
}

extension Datatype {
    /// The first of ``contentTypes``.
    public var contentType: String { Self.contentTypes[0] }
    /// No key.
    public var partitionKey: String? { nil }
    /// Accepts every value.
    public func validate() throws(DatatypeError) {}

    /// The URI that names the type's schema and version: `urn:datatype:<typeName>:v<version>`.
    public static var dataSchema: String {
        dataSchema(version: schemaVersion)
    }

    static func dataSchema(version: Int) -> String {
        "urn:datatype:\(typeName):v\(version)"
    }
}
