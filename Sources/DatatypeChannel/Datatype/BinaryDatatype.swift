#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A datatype whose payload is a file's bytes, checked by their leading bytes rather than by
/// the media type a sender claims.
///
/// The module recognises PNG and JPEG images, MP4 video and PDF documents by their leading
/// bytes. Bytes that start like another recognised format are refused with
/// ``DatatypeError/Code/typeMismatch`` naming both; bytes that start like none are accepted only
/// when the type declares a media type the module does not recognise.
///
/// ```swift
/// struct Scan: BinaryDatatype {
///     static let typeName = "scan"
///     static let schemaVersion = 1
///     static let contentTypes = ["application/pdf"]
///     let data: Data
///     let contentType: String
///     init(checked data: Data, contentType: String) { (self.data, self.contentType) = (data, contentType) }
/// }
/// ```
public protocol BinaryDatatype: Datatype {
    /// The bytes.
    var data: Data { get }
    /// Wraps bytes already checked to be of `contentType`, one of ``Datatype/contentTypes``.
    init(checked data: Data, contentType: String)
}

extension BinaryDatatype {
    /// Bytes of one of ``Datatype/contentTypes``.
    public static var schema: JSONSchema { .bytes(mediaTypes: contentTypes) }

    /// Wraps `data` after checking its leading bytes against ``Datatype/contentTypes``.
    ///
    /// - Throws: ``DatatypeError/Code/typeMismatch`` naming the expected media types and the one
    ///   the bytes announce.
    public init(_ data: Data) throws(DatatypeError) {
        try self.init(payload: data)
    }

    /// Checks the payload's leading bytes against ``Datatype/contentTypes``.
    public init(payload: Data) throws(DatatypeError) {
        let expected = Self.contentTypes.joined(separator: " or ")
        if let detected = MediaType.sniff(payload) {
            guard Self.contentTypes.contains(detected) else {
                throw DatatypeError(
                    .typeMismatch,
                    "The payload is \(detected); a \(Self.typeName) is \(expected).",
                    expected: expected,
                    actual: detected
                )
            }
            self.init(checked: payload, contentType: detected)
        } else if let unrecognised = Self.contentTypes.first(where: { !MediaType.isRecognised($0) }) {
            self.init(checked: payload, contentType: unrecognised)
        } else {
            throw DatatypeError(
                .typeMismatch,
                "The payload does not begin like \(expected).",
                expected: expected,
                actual: "unrecognised bytes"
            )
        }
    }

    /// The bytes as they are.
    public func encoded() -> Data { data }
}
