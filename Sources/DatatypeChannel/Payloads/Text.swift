#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Plain text, carried as UTF-8.
///
/// Reading a payload checks that it is valid UTF-8 and says at which byte it is not.
public struct Text: Datatype, Hashable {
    /// `text`.
    public static let typeName = "text"
    /// 1.
    public static let schemaVersion = 1
    /// `text/plain`.
    public static let contentTypes = [MediaType.text]
    /// Bytes of `text/plain`.
    public static let schema = JSONSchema.bytes(mediaTypes: contentTypes)

    /// The text.
    public var text: String

    /// Wraps `text`.
    public init(_ text: String) {
        self.text = text
    }

    /// Reads UTF-8 text.
    ///
    /// - Throws: ``DatatypeError/Code/undecodable`` naming the first byte that is not UTF-8.
    public init(payload: Data) throws(DatatypeError) {
        guard let text = String(validating: payload, as: UTF8.self) else {
            var parser = Unicode.UTF8.ForwardParser()
            var bytes = payload.makeIterator()
            var offset = 0
            parsing: while true {
                switch parser.parseScalar(from: &bytes) {
                case .valid(let scalar): offset += scalar.count
                case .emptyInput, .error: break parsing
                }
            }
            throw DatatypeError(.undecodable, "The payload is not UTF-8 text: byte \(offset) is not valid UTF-8.")
        }
        self.text = text
    }

    /// The text as UTF-8.
    public func encoded() -> Data {
        Data(text.utf8)
    }
}
