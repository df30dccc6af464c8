#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The media types whose leading bytes the module recognises, and how.
enum MediaType {
    static let png = "image/png"
    static let jpeg = "image/jpeg"
    static let mp4 = "video/mp4"
    static let pdf = "application/pdf"
    static let text = "text/plain"
    static let json = "application/json"

    /// The media type `payload`'s leading bytes announce, or `nil` if none the module knows.
    static func sniff(_ payload: Data) -> String? {
        let bytes = payload.prefix(12)
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return png
        }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            return jpeg
        }
        // An ISO base media file starts with a box: four bytes of size, then `ftyp`.
        if bytes.count >= 8, bytes.dropFirst(4).prefix(4).elementsEqual("ftyp".utf8) {
            return mp4
        }
        if bytes.starts(with: "%PDF-".utf8) {
            return pdf
        }
        return nil
    }

    /// Whether the module knows how `mediaType`'s payloads begin.
    static func isRecognised(_ mediaType: String) -> Bool {
        [png, jpeg, mp4, pdf].contains(mediaType)
    }

    /// `declared` without its parameters (`; charset=utf-8`) and surrounding spaces, in lower case.
    static func essence(of declared: String) -> String {
        let essence = declared.prefix { $0 != ";" }
        guard let first = essence.firstIndex(where: { $0 != " " }),
            let last = essence.lastIndex(where: { $0 != " " })
        else { return "" }
        return essence[first...last].lowercased()
    }
}
