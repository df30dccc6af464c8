#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A PNG or JPEG image.
///
/// `try Image(data)` checks the leading bytes; a channel of an images also limits its size
/// (see ``TypedChannel/maximumBytes``).
public struct Image: BinaryDatatype, Hashable {
    /// `image`.
    public static let typeName = "image"
    /// 1.
    public static let schemaVersion = 1
    /// The media types of an image.
    public static let contentTypes = [MediaType.png, MediaType.jpeg]

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
