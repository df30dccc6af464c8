import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One request of a demo and the status it must answer with.
public struct DemoCall: Sendable {
    /// The request's method.
    public var method: HTTPMethod
    /// The port of the server to ask, on `localhost`.
    public var port: Int
    /// The path, with its leading `/`.
    public var path: String
    /// The JSON body, printed as sent.
    public var body: String?
    /// Headers sent besides `Content-Type`, printed as sent, by name.
    public var headers: [String: String]
    /// The status the answer must have.
    public var expected: HTTPResponseStatus
    /// Whether to ask again, until the printer's deadline, while the answer is 404: consumers
    /// process a message a moment after it was sent.
    public var waitsForProcessing: Bool

    /// Creates a call.
    public init(
        method: HTTPMethod,
        port: Int,
        path: String,
        body: String? = nil,
        headers: [String: String] = [:],
        expected: HTTPResponseStatus = .ok,
        waitsForProcessing: Bool = false
    ) {
        self.method = method
        self.port = port
        self.path = path
        self.body = body
        self.headers = headers
        self.expected = expected
        self.waitsForProcessing = waitsForProcessing
    }
}

/// Sends a demo's requests to a running example and prints each request and answer as the
/// course's seeds show them:
///
/// ```
/// GET http://localhost:5001/processed_orders/123458
///
/// 200 OK
/// {
///     "order_id": "123458",
/// ...
/// ```
public struct DemoPrinter: Sendable {
    /// Where each request and each answer go, one block at a time.
    public let output: @Sendable (String) -> Void
    /// How long a call that ``DemoCall/waitsForProcessing`` asks again. Default: 30 seconds.
    public var processingDeadline: Duration = .seconds(30)
    /// How long one call may take to be answered. Default: 60 seconds, longer than any wait an
    /// example's server makes before it answers (a command's answer, a side behind the gateway),
    /// so that a slow answer is printed rather than cut off.
    public var requestTimeout: Duration = .seconds(60)

    /// Creates a printer that gives each block to `output`.
    public init(output: @escaping @Sendable (String) -> Void) {
        self.output = output
    }

    /// Prints to standard output, a blank line after each block.
    public static let standardOutput = DemoPrinter { print($0, terminator: "\n\n") }

    /// Makes every call in turn.
    ///
    /// - Throws: ``ExampleError`` at the first answer whose status is not the expected one.
    public func run(_ calls: [DemoCall]) async throws {
        for call in calls {
            _ = try await run(call)
        }
    }

    /// Makes one call, prints it and its answer, and returns the answer.
    ///
    /// - Throws: ``ExampleError`` when the answer's status is not the expected one.
    @discardableResult
    public func run(_ call: DemoCall) async throws -> DemoAnswer {
        let url = "http://localhost:\(call.port)\(call.path)"
        let headers = call.headers.sorted { $0.key < $1.key }.map { "\n\($0.key): \($0.value)" }.joined()
        output("\(call.method.rawValue) \(url)" + headers + (call.body.map { "\n\($0)" } ?? ""))
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: processingDeadline)
        var answer = try await send(call, to: url)
        while call.waitsForProcessing, answer.status == .notFound, clock.now < deadline {
            try await clock.sleep(for: .milliseconds(50))
            answer = try await send(call, to: url)
        }
        output("\(answer.status.code) \(answer.status.reasonPhrase)\n\(answer.body.trimmingCharacters(in: .newlines))")
        guard answer.status == call.expected else {
            throw ExampleError(
                "\(call.method.rawValue) \(url) answered \(answer.status.code), not \(call.expected.code)"
            )
        }
        return answer
    }

    private func send(_ call: DemoCall, to url: String) async throws -> DemoAnswer {
        var request = HTTPClientRequest(url: url)
        request.method = call.method
        for (name, value) in call.headers {
            request.headers.add(name: name, value: value)
        }
        if let body = call.body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let timeout = TimeAmount(requestTimeout)
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: 1 << 20)
        return DemoAnswer(status: response.status, headers: response.headers, body: String(buffer: body))
    }
}

/// The answer to a ``DemoCall``.
public struct DemoAnswer: Sendable {
    /// The answer's status.
    public var status: HTTPResponseStatus
    /// The answer's headers.
    public var headers: HTTPHeaders
    /// The answer's body, as text.
    public var body: String
}
