import DatatypeChannel

/// The channels of the course case, one per type of data.
enum Channels {
    /// Customer records: `datatype.customer.v1`.
    static let customers = TypedChannel(Customer.self)
    /// Plain UTF-8 text: `datatype.text.v1`, up to 64 KiB.
    static let texts = TypedChannel(Text.self, maximumBytes: 64 * 1024)
    /// PNG and JPEG images: `datatype.image.v1`, up to 1 MiB.
    static let images = TypedChannel(Image.self)
    /// MP4 videos: `datatype.video.v1`, up to 1 MiB.
    static let videos = TypedChannel(Video.self)
    /// PDF documents: `datatype.document.v1`, up to 1 MiB.
    static let documents = TypedChannel(Document.self)

    /// Every channel, by name. Creating it checks that no two channels clash.
    static func catalog() throws(DatatypeError) -> ChannelCatalog {
        try ChannelCatalog([customers, texts, images, videos, documents])
    }
}
