import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// An HTTP answer of an example's server: its status code, content type and body.
public struct Answer: Sendable {
    /// The status code.
    public var status: Int
    /// The `Content-Type` header, if any.
    public var contentType: String?
    /// The body, as text.
    public var body: String
    /// Every header of the answer; look one up with `first(name:)`, which ignores case.
    public var headers: HTTPHeaders = [:]

    /// The body parsed as a JSON object; empty if it is not one.
    public var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
    }
}

/// A wait of an example test that ran out of time, or a tool a test needs that is missing.
public struct ExampleTestFailure: Error, CustomStringConvertible {
    /// What went wrong, with the test's file and line.
    public let description: String

    init(_ reason: String, file: String, line: Int) {
        description = "\(reason) [\(file):\(line)]"
    }
}

/// Makes one HTTP request to the example listening on `port` of 127.0.0.1, with a JSON `body`
/// and `headers`.
public func call(
    _ method: HTTPMethod,
    _ port: Int,
    _ path: String,
    body: String? = nil,
    headers: [String: String] = [:]
) async throws -> Answer {
    try await call(
        method,
        port,
        path,
        bytes: body.map { Data($0.utf8) },
        contentType: "application/json",
        headers: headers
    )
}

/// Makes one HTTP request to the example listening on `port` of 127.0.0.1, with `bytes` as the
/// body, declared as `contentType` (no `Content-Type` header when `nil`), and `headers`.
public func call(
    _ method: HTTPMethod,
    _ port: Int,
    _ path: String,
    bytes: Data?,
    contentType: String?,
    headers: [String: String] = [:]
) async throws -> Answer {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
    request.method = method
    for (name, value) in headers {
        request.headers.add(name: name, value: value)
    }
    if let bytes {
        if let contentType {
            request.headers.add(name: "Content-Type", value: contentType)
        }
        request.body = .bytes(ByteBuffer(bytes: bytes))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
    let body = try await response.body.collect(upTo: 1 << 20)
    return Answer(
        status: Int(response.status.code),
        contentType: response.headers.first(name: "Content-Type"),
        body: String(buffer: body),
        headers: response.headers
    )
}

/// Asks `GET path` until `condition` holds for its answer (by default: until it is not 404, as
/// a consumer processes a message a moment after it was sent), and returns that answer.
///
/// - Throws: ``ExampleTestFailure`` with the last answer if `condition` still does not hold
///   after `timeout`.
public func eventually(
    _ port: Int,
    _ path: String,
    timeout: Duration = .seconds(60),
    file: String = #fileID,
    line: Int = #line,
    until condition: (Answer) -> Bool = { $0.status != 404 }
) async throws -> Answer {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
        let answer = try await call(.GET, port, path)
        if condition(answer) { return answer }
        guard clock.now < deadline else {
            throw ExampleTestFailure(
                "GET \(path) did not answer as expected within \(timeout): \(answer.status) \(answer.body)",
                file: file,
                line: line
            )
        }
        try await clock.sleep(for: .milliseconds(20))
    }
}

/// Asks `GET path` until it answers something other than 404, and returns that answer.
///
/// See ``eventually(_:_:timeout:file:line:until:)``.
public func whenProcessed(
    _ port: Int,
    _ path: String,
    timeout: Duration = .seconds(30),
    file: String = #fileID,
    line: Int = #line
) async throws -> Answer {
    try await eventually(port, path, timeout: timeout, file: file, line: line)
}
