import NIOHTTP1

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A successful answer to one poll of an ``HTTPPollingSource``, for its ``HTTPPageDecoder``.
public struct HTTPPageResponse: Sendable {
    /// The URL that was requested, cursor included.
    public var url: String
    /// The answer's status code, a 2xx.
    public var statusCode: Int
    /// The answer's headers.
    public var headers: HTTPHeaders
    /// The answer's body.
    public var body: Data

    /// Creates a response.
    public init(url: String, statusCode: Int, headers: HTTPHeaders, body: Data) {
        self.url = url
        self.statusCode = statusCode
        self.headers = headers
        self.body = body
    }
}
