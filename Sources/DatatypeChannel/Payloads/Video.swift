#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An MP4 video.
///
/// `try Video(data)` checks the leading bytes; a channel of videos also limits its size
/// (see ``TypedChannel/maximumBytes``).
public struct Video: BinaryDatatype, Hashable {
    /// `video`.
    public static let typeName = "video"
    /// 1.
    public static let schemaVersion = 1
    /// The media types of a video.
    public static let contentTypes = [MediaType.mp4]

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
