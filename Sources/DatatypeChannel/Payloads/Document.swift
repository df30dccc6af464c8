#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A PDF document.
///
/// `try Document(data)` checks the leading bytes; a channel of a documents also limits its size
/// (see ``TypedChannel/maximumBytes``).
public struct Document: BinaryDatatype, Hashable {
    /// `document`.
    public static let typeName = "document"
    /// 1.
    public static let schemaVersion = 1
    /// The media types of a document.
    public static let contentTypes = [MediaType.pdf]

    /// The bytes.
    public let data: Data
    /// The media type the bytes begin like.
    public let contentType: String

    /// Wraps bytes already checked to be of `contentType`.
    public init(checked data: Data, contentType: String) {
        self.data = data
        self.contentType = contentType
    }
}
