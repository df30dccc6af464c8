import NIOHTTP1

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The HTTP call an ``HTTPGateway`` makes for one message: method, URL, headers and body.
///
/// ```swift
/// let request: @Sendable (Message) throws -> HTTPGatewayRequest = { message in
///     let confirmation = try message.decode(Confirmation.self)
///     return HTTPGatewayRequest(
///         method: .PUT,
///         url: "http://erp.internal/orders/\(confirmation.orderID)/status",
///         body: message.payload
///     )
/// }
/// ```
///
/// The gateway adds `Idempotency-Key` (the message's id) to every call, replacing one set here.
public struct HTTPGatewayRequest: Sendable {
    /// The method, such as `PUT`.
    public var method: HTTPMethod
    /// The absolute URL.
    public var url: String
    /// The headers; `Content-Type` is set when there is a body and none was given.
    public var headers: HTTPHeaders
    /// The body, if any.
    public var body: Data?

    /// Creates a request.
    ///
    /// - Parameters:
    ///   - method: The method.
    ///   - url: The absolute URL.
    ///   - headers: The headers. Default: none.
    ///   - body: The body. Default: none.
    ///   - contentType: The body's media type, set unless `headers` has one. Default:
    ///     `application/json`.
    public init(
        method: HTTPMethod,
        url: String,
        headers: HTTPHeaders = [:],
        body: Data? = nil,
        contentType: String = "application/json"
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        if body != nil, !headers.contains(name: "Content-Type") {
            self.headers.add(name: "Content-Type", value: contentType)
        }
    }
}
